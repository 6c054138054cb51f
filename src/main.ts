// The executable's entry: process wiring, then run(argv, deps), then exit with its code.
import { isatty } from 'node:tty';
import { installProcessIo } from './process-io';
import { run } from './run';

const io = installProcessIo();
run(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  writeStdout: (text) => process.stdout.write(text),
  writeStderr: (text) => process.stderr.write(text),
  onSignals: io.routeSignals,
  isPidOne: process.pid === 1,
  terminal: io.terminal,
  redactor: io.redactor,
  writeValues: io.writeValues,
  onExit: io.onExit,
  // What process.stdout.isTTY says, without making the stream (see installProcessIo).
  stdoutIsTerminal: isatty(1),
}).then((code) => process.exit(code));
