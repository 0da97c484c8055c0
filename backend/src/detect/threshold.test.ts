import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ANOMALY_ALARM_THRESHOLD } from './threshold.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

describe('one alarm threshold everywhere', () => {
  it('the provisioned Grafana rule alerts on aegis_anomaly_score above ANOMALY_ALARM_THRESHOLD', () => {
    const rule = parse(read('provisioning/alerting/aegis.yaml')).groups[0].rules[0];
    expect(rule.data[0].model.expr).toContain('aegis_anomaly_score');
    const condition = rule.data.find((d: { refId: string }) => d.refId === rule.condition);
    expect(condition.model.conditions[0].evaluator.params).toEqual([ANOMALY_ALARM_THRESHOLD]);
  });

  it('the example dashboard draws the same threshold on both anomaly-score panels', () => {
    const dashboard = JSON.parse(read('plugin-app/src/dashboards/overview.json'));
    const panels = dashboard.panels.filter((p: { title: string }) => /anomaly score/i.test(p.title));
    expect(panels.length).toBe(2);
    for (const p of panels) {
      const steps = p.fieldConfig.defaults.thresholds.steps as Array<{ value: number | null }>;
      expect(steps.map((s) => s.value)).toContain(ANOMALY_ALARM_THRESHOLD);
    }
  });

  it('the README states the same threshold', () => {
    expect(read('README.md')).toContain(`aegis_anomaly_score) > ${ANOMALY_ALARM_THRESHOLD}`);
  });
});
