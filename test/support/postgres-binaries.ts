import { ensuredPath } from './ensure-script';

// An install from apt takes a while and takes apt's lock, so the script runs at most once per
// process (globalSetup runs it once per vitest run). Failures throw: a run without a real
// PostgreSQL must not look green.
export function postgresBinDir(): string {
  return ensuredPath('ensure-postgres', 'PostgreSQL');
}
