// Test child that shows the environment it was given (`ENV {json}` on one line), so tests can check
// which secrets vault-exec injected. With `--wait` it then prints READY and stays up until SIGTERM.
process.stdout.write(`ENV ${JSON.stringify(process.env)}\n`);

if (process.argv[2] === '--wait') {
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write('READY\n');
  setInterval(() => {}, 1 << 30);
}
