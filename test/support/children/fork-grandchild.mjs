// Test child that leaves a grandchild (`sleep 30`) behind when it exits on SIGTERM, so tests can
// check what vault-exec does about orphans. Prints `PID <pid>`, `GRANDCHILD <pid>` then `READY`.
import { spawn } from 'node:child_process';

const grandchild = spawn('sleep', ['30'], { stdio: 'ignore' });
grandchild.on('error', (error) => {
  process.stderr.write(`fork-grandchild: cannot start sleep: ${error.message}\n`);
  process.exit(1);
});
grandchild.on('spawn', () => {
  process.stdout.write(`PID ${process.pid}\nGRANDCHILD ${grandchild.pid}\nREADY\n`);
});

process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
