import { z } from 'zod';
import { defineRoute, type RouteDef } from '../api/route.js';
import type { Leases } from './lease.js';
import type { Membership } from './membership.js';

const replicaSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  url: z.string().optional(),
  leases: z.array(z.string()).describe('singleton loops this replica runs (as of its last heartbeat)'),
  started_at: z.string(),
  heartbeat_at: z.string(),
  alive: z.boolean(),
  self: z.boolean().describe('the replica that answered this request'),
});

/** Which replicas share this database and which of them runs each singleton loop. */
export function coordinationRoutes({ membership, leases }: { membership: Membership; leases: Leases }): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/replicas',
      operationId: 'listReplicas',
      summary: 'Backend replicas sharing this database, their heartbeats and the singleton leases each holds',
      tags: ['operations'],
      permission: 'read',
      response: z.object({ items: z.array(replicaSchema), self: z.string(), live: z.array(z.string()).describe('the replicas this one shares work with (detection shards, relayed events), as of its last heartbeat'), leases: z.array(z.object({ name: z.string(), held: z.boolean(), since: z.string().nullable() })) }),
      handler: async () => ({
        items: (await membership.list()).map((r) => ({ ...r, self: r.id === membership.self.id })),
        self: membership.self.id,
        live: membership.live(),
        leases: leases.status(),
      }),
    }),
  ];
}
