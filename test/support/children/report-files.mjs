// Test child for --file and --template: prints `FILES {json}` with the SHA-256 of every file in
// $VAULT_EXEC_FILES_DIR (never the content) at start, then READY; on SIGHUP it reads them again and
// prints `HUP {json}` the same way. SIGTERM ends it with 0.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.VAULT_EXEC_FILES_DIR;
const digest = () =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]),
  );

process.stdout.write(`FILES ${JSON.stringify(digest())}\n`);
process.on('SIGHUP', () => process.stdout.write(`HUP ${JSON.stringify(digest())}\n`));
process.on('SIGTERM', () => process.exit(0));
process.stdout.write('READY\n');
setInterval(() => {}, 1 << 30);
