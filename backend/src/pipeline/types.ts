import { z } from 'zod';
import { severity } from '../store/types.js';

/** What every agent knows about the incident it works on. */
export const incidentBrief = z.object({
  id: z.uuid(),
  title: z.string(),
  severity,
  namespace: z.string(),
  services: z.array(z.string()),
  /** unix ms */
  startedAt: z.number(),
  /** unix ms: when the pipeline looked */
  at: z.number(),
  signals: z.array(z.object({ source: z.string(), service: z.string().nullable(), summary: z.string(), payload: z.unknown() })),
  labels: z.record(z.string(), z.string()),
});
export type IncidentBrief = z.infer<typeof incidentBrief>;
