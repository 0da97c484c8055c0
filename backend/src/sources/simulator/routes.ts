import { z } from 'zod';
import { defineRoute, type RouteDef } from '../../api/route.js';
import { NotFoundError } from '../../platform/errors.js';
import { injectBody, simStatus } from './runtime.js';
import type { Simulator } from './simulator.js';

const faultSchema = z
  .object({
    id: z.string(),
    scenario: z.string(),
    service: z.string(),
    seed: z.number(),
    startedAt: z.number(),
    endsAt: z.number().optional(),
    resolvedAt: z.number().optional(),
    active: z.boolean(),
    summary: z.string(),
    fixedBy: z.string(),
    params: z.record(z.string(), z.unknown()),
  })
  .describe('An injected fault');

const statusSchema = z.object({
  namespace: z.string(),
  seed: z.number(),
  now: z.string(),
  step_ms: z.number(),
  pods: z.number(),
  resource_version: z.number(),
  faults: z.array(faultSchema),
  services: z.array(z.record(z.string(), z.unknown())),
});

/** The demo's simulator controls; in production (no simulated cluster) they answer 404. */
export function simulatorRoutes(deps: { simulator?: Simulator }): RouteDef[] {
  const sim = () => {
    if (!deps.simulator) throw new NotFoundError('no simulated cluster: the simulator runs only in demo mode');
    return deps.simulator;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/simulator/inject',
      operationId: 'injectSimulatorFault',
      summary: 'Inject a fault scenario into the simulated cluster (demo mode only)',
      tags: ['simulator'],
      permission: 'operate',
      body: injectBody,
      response: faultSchema,
      status: 201,
      audit: { action: 'simulator.inject', target: ({ body }) => `${body.scenario}:${body.service}` },
      async handler({ body }) {
        return sim().inject({ scenario: body.scenario, service: body.service, seed: body.seed, durationMs: body.duration_minutes ? body.duration_minutes * 60_000 : undefined });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/simulator/status',
      operationId: 'getSimulatorStatus',
      summary: 'Services, pods and active faults of the simulated cluster (demo mode only)',
      tags: ['simulator'],
      permission: 'read',
      response: statusSchema,
      async handler() {
        return simStatus(sim());
      },
    }),
  ];
}
