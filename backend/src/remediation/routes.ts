import { z } from 'zod';
import { defineRoute, idParams, type RouteDef } from '../api/route.js';
import { remediationSchema } from '../store/types.js';
import type { RemediationService } from './service.js';

const decisionBody = z.object({ reason: z.string().trim().max(2000).optional() }).optional();

/** Approve / reject, and keep / revert during verification: operators (and Grafana users through the app's proxy token, who are recorded by login). */
export function remediationRoutes({ remediation }: { remediation: RemediationService }): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/remediations/{id}/approve',
      operationId: 'approveRemediation',
      summary: 'Approve a proposed remediation; it is then applied, verified and, if verification fails, reverted',
      tags: ['remediations'],
      permission: 'operate',
      params: idParams,
      body: decisionBody,
      response: remediationSchema,
      audit: { action: 'remediation.approve', target: ({ params }) => `remediation:${params.id}` },
      handler: ({ params, principal }) => remediation.approve(params.id, principal.actor, principal.role),
    }),
    defineRoute({
      method: 'post',
      path: '/remediations/{id}/reject',
      operationId: 'rejectRemediation',
      summary: 'Reject a proposed remediation',
      tags: ['remediations'],
      permission: 'operate',
      params: idParams,
      body: decisionBody,
      response: remediationSchema,
      audit: { action: 'remediation.reject', target: ({ params }) => `remediation:${params.id}` },
      handler: ({ params, body, principal }) => remediation.reject(params.id, principal.actor, body?.reason, principal.role),
    }),
    defineRoute({
      method: 'post',
      path: '/remediations/{id}/keep',
      operationId: 'keepRemediation',
      summary: 'End verification and keep an applied remediation (the outcome is not credited to the action as evidence)',
      tags: ['remediations'],
      permission: 'operate',
      params: idParams,
      body: decisionBody,
      response: remediationSchema,
      audit: { action: 'remediation.keep', target: ({ params }) => `remediation:${params.id}` },
      handler: ({ params, body, principal }) => remediation.keep(params.id, principal.actor, body?.reason, principal.role),
    }),
    defineRoute({
      method: 'post',
      path: '/remediations/{id}/revert',
      operationId: 'revertRemediation',
      summary: 'Undo an applied remediation (during or after verification) when the action has an undo',
      tags: ['remediations'],
      permission: 'operate',
      params: idParams,
      body: decisionBody,
      response: remediationSchema,
      audit: { action: 'remediation.revert', target: ({ params }) => `remediation:${params.id}` },
      handler: ({ params, body, principal }) => remediation.revert(params.id, principal.actor, body?.reason, principal.role),
    }),
  ];
}
