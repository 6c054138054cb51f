// deploy/monitoring/: the alert rules checked and unit-tested by Prometheus' own promtool (each alert
// fires on its synthetic series, none on a healthy run), and the Grafana dashboard and the rules
// referring only to metrics vault-exec exports. The scrapes themselves are checked in
// integration/metrics.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { createVaultExecMetrics } from '../../src/metrics/vault-exec-metrics';
import { promtool } from '../support/promtool';

const monitoring = fileURLToPath(new URL('../../deploy/monitoring/', import.meta.url));
const RULES = `${monitoring}vault-exec-rules.yml`;
const RULE_TESTS = `${monitoring}vault-exec-rules.test.yml`;
const DASHBOARD = `${monitoring}vault-exec-dashboard.json`;

/** Every name a scrape can hold: the families vault-exec renders, and a histogram's three series. */
function exportedNames(): Set<string> {
  const text = createVaultExecMetrics({ version: 'test', method: 'approle' }).render();
  const names = new Set<string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** The metric names a PromQL expression refers to: ours and the process metrics. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutStrings.matchAll(/\b(?:vault_exec|process|nodejs)_[a-z0-9_]+\b/g)].map(
    (match) => match[0],
  );
}

const ruleFile = parse(readFileSync(RULES, 'utf8')) as {
  groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }>;
};
const alerts = ruleFile.groups.flatMap((group) => group.rules);

test('promtool check rules accepts the alert rules', () => {
  const result = promtool(['check', 'rules', RULES]);
  expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  expect(result.code).toBe(0);
});

test('promtool test rules: each alert fires on its own series and none on a healthy run', () => {
  const result = promtool(['test', 'rules', RULE_TESTS]);
  expect(result.output).toContain('SUCCESS');
  expect(result.code).toBe(0);
  const tests = parse(readFileSync(RULE_TESTS, 'utf8')) as {
    tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  };
  const cases = tests.tests.flatMap((group) => group.alert_rule_test);
  for (const { alert } of alerts) {
    expect(
      cases.some((check) => check.alertname === alert && check.exp_alerts.length > 0),
      `${alert} fires`,
    ).toBe(true);
    expect(
      cases.some((check) => check.alertname === alert && check.exp_alerts.length === 0),
      `${alert} stays silent`,
    ).toBe(true);
  }
});

test('every alert has a summary and a runbook entry in the README', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  for (const { alert, annotations } of alerts) {
    expect(annotations.summary, alert).toBeTruthy();
    expect(annotations.runbook, alert).toBe(`README.md, Alerts: ${alert}`);
    expect(readme, alert).toMatch(new RegExp(`^\\| \`${alert}\` \\|`, 'm'));
  }
});

test('the rules and the dashboard use only the metric names vault-exec exports', () => {
  const exported = exportedNames();
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition?: string }> };
  };
  const queries = [
    ...dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => ({ where: panel.title, expr: target.expr })),
    ),
    ...dashboard.templating.list.flatMap((variable) =>
      variable.definition ? [{ where: 'a template variable', expr: variable.definition }] : [],
    ),
    ...alerts.map((rule) => ({ where: rule.alert, expr: rule.expr })),
  ];
  expect(dashboard.panels.length).toBeGreaterThan(0);
  for (const { where, expr } of queries) {
    const names = metricNames(expr);
    expect(names.length, `${where} queries no metric of vault-exec`).toBeGreaterThan(0);
    for (const name of names)
      expect(exported.has(name), `${where} uses ${name}, which vault-exec does not export`).toBe(true);
  }
});
