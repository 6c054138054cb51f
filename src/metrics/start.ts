// Loaded only with --metrics-addr (run-command.ts imports it on demand): the metrics, their
// listener, and the Observer the rest of vault-exec reports to.
import type { ListenAddress } from '../cli/config';
import type { Logger } from '../util/log';
import type { Observer } from '../util/observer';
import { VERSION } from '../util/version';
import { listenForScrapes } from './server';
import { createVaultExecMetrics } from './vault-exec-metrics';

export interface Metrics {
  observer: Observer;
  close(): Promise<void>;
}

export async function startMetrics(options: {
  where: ListenAddress;
  method: string;
  log: Logger;
}): Promise<Metrics> {
  const metrics = createVaultExecMetrics({ version: VERSION, method: options.method });
  const server = await listenForScrapes(options.where, metrics);
  options.log.info(`serving /metrics, /healthz and /readyz on http://${server.address}`, {
    event: 'metrics-listening',
    address: server.address,
  });
  return {
    observer: metrics,
    async close() {
      metrics.phase('exiting');
      await server.close();
    },
  };
}
