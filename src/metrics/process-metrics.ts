// The usual process_* and nodejs_* metrics, read at each scrape (as prom-client names them, so
// existing dashboards for Node processes work with vault-exec's too).
import { readdirSync } from 'node:fs';
import { formatNumber, header } from './exposition';

const startedAt = Math.round((Date.now() - process.uptime() * 1000) / 1000);

export function collectProcessMetrics(): string {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const samples: Array<[string, string, 'counter' | 'gauge', number | undefined]> = [
    ['process_cpu_user_seconds_total', 'User CPU time spent, in seconds', 'counter', cpu.user / 1e6],
    ['process_cpu_system_seconds_total', 'System CPU time spent, in seconds', 'counter', cpu.system / 1e6],
    [
      'process_cpu_seconds_total',
      'User and system CPU time spent, in seconds',
      'counter',
      (cpu.user + cpu.system) / 1e6,
    ],
    ['process_start_time_seconds', 'When the process started (Unix seconds)', 'gauge', startedAt],
    ['process_resident_memory_bytes', 'Resident memory size, in bytes', 'gauge', memory.rss],
    ['process_open_fds', 'Open file descriptors', 'gauge', openFileDescriptors()],
    ['nodejs_heap_size_total_bytes', 'V8 heap size, in bytes', 'gauge', memory.heapTotal],
    ['nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes', 'gauge', memory.heapUsed],
  ];
  return samples
    .filter(([, , , value]) => value !== undefined)
    .map(([name, help, kind, value]) => `${header(name, help, kind)}${name} ${formatNumber(value!)}\n`)
    .join('');
}

/** Linux only (/proc); elsewhere the metric is left out rather than guessed. */
function openFileDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
