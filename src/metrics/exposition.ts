// The Prometheus text exposition format (version 0.0.4), written by hand: vault-exec needs counters,
// gauges and one histogram, which is a few dozen lines; prom-client would add a dependency and about
// 20 ms to every start with the flag on, for features (registries, aggregation, push) it never uses.

export type Labels = Record<string, string>;
type Kind = 'counter' | 'gauge' | 'histogram';

interface Family {
  name: string;
  help: string;
  kind: Kind;
  /** A histogram's upper bounds, +Inf apart. */
  buckets: readonly number[];
  /** Serialised labels → value (counter, gauge) or histogram state. */
  series: Map<string, number | HistogramState>;
}

interface HistogramState {
  labels: string;
  counts: number[];
  sum: number;
  count: number;
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
  remove(labels: Labels): void;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

export class Registry {
  private readonly families: Family[] = [];
  /** Computed at each scrape (process metrics): appended after the registry's own. */
  private readonly collectors: Array<() => string> = [];

  counter(name: string, help: string, initial: Labels[] = []): Counter {
    const family = this.add(name, help, 'counter');
    for (const labels of initial) family.series.set(formatLabels(labels), 0);
    return {
      inc(labels = {}, by = 1) {
        const key = formatLabels(labels);
        family.series.set(key, ((family.series.get(key) as number | undefined) ?? 0) + by);
      },
    };
  }

  gauge(name: string, help: string): Gauge {
    const family = this.add(name, help, 'gauge');
    return {
      set: (labels, value) => void family.series.set(formatLabels(labels), value),
      remove: (labels) => void family.series.delete(formatLabels(labels)),
    };
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const family = this.add(name, help, 'histogram', buckets);
    return {
      observe(labels, value) {
        const key = formatLabels(labels);
        let state = family.series.get(key) as HistogramState | undefined;
        if (state === undefined) {
          state = { labels: key, counts: buckets.map(() => 0), sum: 0, count: 0 };
          family.series.set(key, state);
        }
        buckets.forEach((bound, index) => {
          if (value <= bound) state!.counts[index]!++;
        });
        state.sum += value;
        state.count++;
      },
    };
  }

  collect(collector: () => string): void {
    this.collectors.push(collector);
  }

  /** The whole scrape, in registration order. */
  render(): string {
    return (
      this.families.map(renderFamily).join('') + this.collectors.map((collector) => collector()).join('')
    );
  }

  private add(name: string, help: string, kind: Kind, buckets: readonly number[] = []): Family {
    const family: Family = { name, help, kind, buckets, series: new Map() };
    this.families.push(family);
    return family;
  }
}

/** HELP and TYPE lines, for collectors that write their own samples. */
export function header(name: string, help: string, kind: Kind): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${kind}\n`;
}

function renderFamily(family: Family): string {
  const { buckets } = family;
  let text = header(family.name, family.help, family.kind);
  for (const [labels, value] of family.series) {
    if (typeof value === 'number') {
      text += `${family.name}${wrap(labels)} ${formatNumber(value)}\n`;
      continue;
    }
    const bucketLabel = (bound: string) => wrap(labels === '' ? `le="${bound}"` : `${labels},le="${bound}"`);
    buckets.forEach((bound, index) => {
      text += `${family.name}_bucket${bucketLabel(formatNumber(bound))} ${value.counts[index]}\n`;
    });
    text += `${family.name}_bucket${bucketLabel('+Inf')} ${value.count}\n`;
    text += `${family.name}_sum${wrap(labels)} ${formatNumber(value.sum)}\n`;
    text += `${family.name}_count${wrap(labels)} ${value.count}\n`;
  }
  return text;
}

function wrap(labels: string): string {
  return labels === '' ? '' : `{${labels}}`;
}

/** Labels in the order given, values escaped as the format asks (backslash, quote, newline). */
export function formatLabels(labels: Labels): string {
  return Object.entries(labels)
    .map(
      ([name, value]) =>
        `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
