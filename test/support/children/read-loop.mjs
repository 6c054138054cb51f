// The atomicity probe: reads the file argv[2] over and over until SIGTERM, and checks that each read
// is whole: `<n>:<payload>:<length of payload>` as written by the test, never empty or cut. Prints
// `READ {"reads":N,"bad":M,"versions":V}` when stopped, and READY once the first read worked.
import { readFileSync } from 'node:fs';

const path = process.argv[2];
let reads = 0;
let bad = 0;
const versions = new Set();
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

const check = (text) => {
  const [version, payload, length] = text.split(':');
  return version !== '' && payload !== undefined && String(payload.length) === length;
};
const loop = () => {
  for (let i = 0; i < 200; i++) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // Between two renames the name always exists; a missing file counts as a bad read too.
    }
    reads += 1;
    if (check(text)) versions.add(text.split(':')[0]);
    else bad += 1;
    if (reads === 1) process.stdout.write('READY\n');
  }
  if (stopping) {
    process.stdout.write(`READ ${JSON.stringify({ reads, bad, versions: versions.size })}\n`);
    process.exit(0);
  }
  setImmediate(loop);
};
loop();
