// Preloaded into vault-exec (node --require) to stand in for a bug: SIGUSR2 throws an error that no
// one catches, so vault-exec exits through its internal-error handler, where no finally runs.
process.on('SIGUSR2', () => {
  throw new Error('injected fault');
});
