import { z } from 'zod';
import { InputError } from '../../platform/errors.js';
import { incidentStatus } from '../../store/types.js';
import { openCliBackend } from '../connect.js';
import type { Command } from '../command.js';
import { ago, table } from '../format.js';

export const incidentsList: Command = {
  words: ['incidents', 'list'],
  usage: 'aegis incidents list [--status open,investigating] [--service S] [--limit N] [--json]',
  summary: 'List incidents, newest first',
  options: {
    status: { type: 'string' },
    service: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const status = z
      .array(incidentStatus)
      .optional()
      .safeParse((values.status as string | undefined)?.split(','));
    if (!status.success) throw new InputError('--status takes a comma-separated list of incident statuses');
    const limit = Number(values.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InputError('--limit must be between 1 and 500');
    const backend = await openCliBackend(ctx);
    try {
      const items = await backend.listIncidents({
        status: status.data,
        service: values.service as string | undefined,
        limit,
      });
      if (values.json) ctx.out(JSON.stringify({ items }, null, 2));
      else
        ctx.out(
          table(
            items.map((i) => ({ ...i, opened: ago(i.created_at) })),
            ['id', 'severity', 'status', 'services', 'title', 'opened'],
          ),
        );
      return 0;
    } finally {
      await backend.close();
    }
  },
};

export const incidentsShow: Command = {
  words: ['incidents', 'show'],
  usage: 'aegis incidents show <id> [--json]',
  summary: 'Show one incident with its signals and timeline',
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }, ctx) {
    const id = positionals[0];
    if (!id) throw new InputError('give the incident id');
    const backend = await openCliBackend(ctx);
    try {
      const i = await backend.getIncident(id);
      if (values.json) {
        ctx.out(JSON.stringify(i, null, 2));
        return 0;
      }
      ctx.out(
        [
          `${i.title}`,
          `  id        ${i.id}`,
          `  status    ${i.status}    severity ${i.severity}    source ${i.source}`,
          `  services  ${i.services.join(', ') || '-'}    namespace ${i.namespace ?? '-'}`,
          `  opened    ${i.created_at} (${ago(i.created_at)})`,
          `  acked     ${i.acknowledged_by ? `${i.acknowledged_by} at ${i.acknowledged_at}` : '-'}`,
          `  resolved  ${i.resolved_by ? `${i.resolved_by} at ${i.resolved_at}` : '-'}`,
          '',
          'Signals',
          table(
            i.signals.map((s) => ({ ...s })),
            ['source', 'service', 'status', 'summary', 'received_at'],
          ),
          '',
          'Timeline',
          table(
            i.timeline.map((t) => ({ ...t })),
            ['at', 'kind', 'actor', 'message'],
          ),
        ].join('\n'),
      );
      return 0;
    } finally {
      await backend.close();
    }
  },
};

export const incidentsAck: Command = {
  words: ['incidents', 'ack'],
  usage: 'aegis incidents ack <id>',
  summary: 'Acknowledge an incident (you are looking at it)',
  async run({ positionals }, ctx) {
    const id = idArg(positionals);
    const backend = await openCliBackend(ctx);
    try {
      const i = await backend.acknowledgeIncident(id);
      ctx.out(`${i.id} acknowledged by ${i.acknowledged_by ?? '-'} (status ${i.status})`);
      return 0;
    } finally {
      await backend.close();
    }
  },
};

export const incidentsResolve: Command = {
  words: ['incidents', 'resolve'],
  usage: 'aegis incidents resolve <id> [--resolution TEXT]',
  summary: 'Resolve an incident, optionally saying how',
  options: { resolution: { type: 'string' } },
  async run({ values, positionals }, ctx) {
    const id = idArg(positionals);
    const backend = await openCliBackend(ctx);
    try {
      const i = await backend.resolveIncident(id, values.resolution as string | undefined);
      ctx.out(`${i.id} resolved${i.resolved_by ? ` by ${i.resolved_by}` : ''}`);
      return 0;
    } finally {
      await backend.close();
    }
  },
};

export const incidentsNote: Command = {
  words: ['incidents', 'note'],
  usage: 'aegis incidents note <id> <text…>',
  summary: "Add a note to an incident's timeline",
  async run({ positionals }, ctx) {
    const id = idArg(positionals);
    const text = positionals.slice(1).join(' ').trim();
    if (!text) throw new InputError('give the note text after the incident id');
    const backend = await openCliBackend(ctx);
    try {
      const note = await backend.addNote(id, text);
      ctx.out(`note ${note.id} added to ${id}`);
      return 0;
    } finally {
      await backend.close();
    }
  },
};

function idArg(positionals: string[]): string {
  const id = positionals[0];
  if (!id) throw new InputError('give the incident id');
  return id;
}
