import { describe, expect, it } from 'vitest';
import { investigatePath, plugin } from './module';

describe('"Investigate in Aegis" alert links', () => {
  it('opens the incidents page filtered to the alert instance service', () => {
    const path = investigatePath({ rule: { name: 'High latency', uid: 'r1', labels: {} }, instance: { labels: { service: 'cartservice', alertname: 'High latency' } } });
    expect(path).toBe('/a/aegis-app/incidents?service=cartservice&alertname=High+latency&ruleUID=r1');
  });

  it('works from a rule context and hides the link when nothing identifies the alert', () => {
    expect(investigatePath({ name: 'CPU', labels: {} })).toBe('/a/aegis-app/incidents?alertname=CPU');
    expect(investigatePath({})).toBeUndefined();
    expect(investigatePath(undefined)).toBeUndefined();
  });

  it('is registered for alert instances and alert rules', () => {
    const links = (plugin as unknown as { _addedLinkConfigs: Array<{ targets: string | string[]; title: string }> })._addedLinkConfigs;
    expect(links.map((l) => l.title)).toEqual(['Investigate in Aegis']);
    expect([links[0]?.targets].flat().sort()).toEqual(['grafana/alerting/alertingrule/action', 'grafana/alerting/instance/action']);
  });
});
