import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { InputError } from '../../platform/errors.js';
import { namingTemplates, parseMetricTemplates, renderTemplate } from './templates.js';

describe('AEGIS_METRIC_TEMPLATES', () => {
  it('selects one naming or merges several with PromQL `or`', () => {
    expect(parseMetricTemplates(undefined)).toEqual(['default']);
    expect(parseMetricTemplates(' istio , otel ')).toEqual(['istio', 'otel']);
    const merged = namingTemplates(parseMetricTemplates('istio,otel'));
    expect(merged.error_rate.service).toContain('istio_requests_total');
    expect(merged.error_rate.service).toContain('http_server_request_duration_seconds_count');
    expect(merged.error_rate.service).toContain(') or (');
    const q = renderTemplate(namingTemplates('otel').latency_p99.service, { namespace: 'shop', service: 'cart', windowSec: 60 });
    expect(q).toContain('service_name="cart"');
    expect(q).toContain('k8s_namespace_name="shop"');
    expect(q).not.toMatch(/\{otel_/);
  });

  it('refuses an unknown naming with a clear error, in the parser and in the config', () => {
    expect(() => parseMetricTemplates('istio,consul')).toThrow(InputError);
    expect(() => loadConfig({ AEGIS_METRIC_TEMPLATES: 'consul' }, { cwd: '/tmp' })).toThrow(/default, istio, linkerd, otel/);
    expect(loadConfig({ AEGIS_METRIC_TEMPLATES: 'linkerd' }, { cwd: '/tmp' }).AEGIS_METRIC_TEMPLATES).toBe('linkerd');
  });
});
