// The hand-written text exposition, byte for byte.
import { expect, test } from 'vitest';
import { Registry } from '../../../src/metrics/exposition';

test('counters, gauges and a histogram in the text format, in registration order', () => {
  const registry = new Registry();
  const requests = registry.counter('x_requests_total', 'Requests', [{ code: '200' }]);
  const gauge = registry.gauge('x_expiry_timestamp_seconds', 'Expiry');
  const histogram = registry.histogram('x_duration_seconds', 'Duration', [0.1, 1]);
  requests.inc({ code: '200' });
  requests.inc({ code: '503' }, 2);
  gauge.set({ path: 'a"b\\c\nd' }, 17);
  histogram.observe({ operation: 'read' }, 0.05);
  histogram.observe({ operation: 'read' }, 0.5);
  histogram.observe({ operation: 'read' }, 5);
  expect(registry.render()).toBe(
    [
      '# HELP x_requests_total Requests',
      '# TYPE x_requests_total counter',
      'x_requests_total{code="200"} 1',
      'x_requests_total{code="503"} 2',
      '# HELP x_expiry_timestamp_seconds Expiry',
      '# TYPE x_expiry_timestamp_seconds gauge',
      'x_expiry_timestamp_seconds{path="a\\"b\\\\c\\nd"} 17',
      '# HELP x_duration_seconds Duration',
      '# TYPE x_duration_seconds histogram',
      'x_duration_seconds_bucket{operation="read",le="0.1"} 1',
      'x_duration_seconds_bucket{operation="read",le="1"} 2',
      'x_duration_seconds_bucket{operation="read",le="+Inf"} 3',
      'x_duration_seconds_sum{operation="read"} 5.55',
      'x_duration_seconds_count{operation="read"} 3',
      '',
    ].join('\n'),
  );
});

test('a removed gauge series is gone from the next scrape', () => {
  const registry = new Registry();
  const gauge = registry.gauge('x_lease_expiry_timestamp_seconds', 'Expiry');
  gauge.set({ path: 'database/creds/app' }, 1);
  gauge.remove({ path: 'database/creds/app' });
  expect(registry.render()).not.toContain('database/creds/app');
});
