import type { RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** Request count and latency by route template (not raw path, so ids do not explode the series). */
export function httpMetrics(register: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'aegis_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ method: req.method, route: route ? req.baseUrl + route : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
}
