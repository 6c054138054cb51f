// Test child that refuses to stop on SIGTERM/SIGINT, so tests can check vault-exec's kill-after-grace
// escalation. Prints `PID <pid>` then `READY`; each ignored signal prints `IGNORED <NAME>`.
for (const name of ['SIGTERM', 'SIGINT']) {
  process.on(name, () => process.stdout.write(`IGNORED ${name}\n`));
}

process.stdout.write(`PID ${process.pid}\nREADY\n`);
setInterval(() => {}, 1 << 30);
