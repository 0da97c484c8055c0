import { z } from 'zod';
import { scrubText } from '../platform/scrub.js';

/** An OpenAI-compatible chat endpoint (AEGIS_LLM_URL); optional, and fed only masked text. */
export interface LlmClient {
  complete(prompt: { system: string; user: string; maxTokens?: number }): Promise<{ text: string; tokens: number }>;
}

export interface Masker {
  mask(text: string): string;
  /** Puts the original values back into an answer. */
  unmask(text: string): string;
}

// Reversible placeholders only for what is identifying but not secret; secrets are redacted one-way (scrubText).
const PATTERNS: Array<[string, RegExp]> = [
  ['TOKEN', /\b(?:sim)[-_A-Za-z0-9]{12,}\b/g],
  ['IP', /\b(?:\d{1,3}\.){3}\d{1,3}\b/g],
  ['IPV6', /\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi],
  ['EMAIL', /\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g],
];

/**
 * Redacts secrets for good (the shared scrubber), then replaces IPs, e-mails and configured names with
 * stable placeholders before anything leaves the process; the same value always gets the same placeholder
 * so the model can still reason about it, and only those placeholders are restored in an answer.
 */
export function createMasker(names: string[] = []): Masker {
  const forward = new Map<string, string>();
  const back = new Map<string, string>();
  const placeholder = (kind: string, value: string) => {
    let p = forward.get(value);
    if (!p) {
      p = `<${kind}_${forward.size + 1}>`;
      forward.set(value, p);
      back.set(p, value);
    }
    return p;
  };
  const escaped = names.filter(Boolean).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const nameRe = escaped.length ? new RegExp(`\\b(?:${escaped.join('|')})\\b`, 'g') : undefined;
  return {
    mask(text) {
      let out = scrubText(text);
      for (const [kind, re] of PATTERNS) out = out.replace(re, (m) => placeholder(kind, m));
      if (nameRe) out = out.replace(nameRe, (m) => placeholder('NAME', m));
      return out;
    },
    unmask(text) {
      return text.replace(/<[A-Z0-9]+_\d+>/g, (p) => back.get(p) ?? p);
    },
  };
}

const chatResponse = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ total_tokens: z.number() }).partial().optional(),
});

/** The client masks every prompt itself, so no caller can forget to. */
export function createLlmClient(opts: {
  url: string;
  model?: string;
  apiKey?: string;
  maskNames?: string[];
  fetch?: typeof fetch;
  timeoutMs?: number;
}): LlmClient {
  const doFetch = opts.fetch ?? fetch;
  const endpoint = opts.url.replace(/\/+$/, '') + (/\/chat\/completions$/.test(opts.url) ? '' : '/chat/completions');
  return {
    async complete({ system, user, maxTokens = 400 }) {
      const masker = createMasker(opts.maskNames);
      const res = await doFetch(endpoint.replace(/\/chat\/completions\/chat\/completions$/, '/chat/completions'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
        body: JSON.stringify({
          model: opts.model ?? 'default',
          max_tokens: maxTokens,
          temperature: 0,
          messages: [
            { role: 'system', content: masker.mask(system) },
            { role: 'user', content: masker.mask(user) },
          ],
        }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
      if (!res.ok) throw new Error(`LLM endpoint answered ${res.status}`);
      const body = chatResponse.parse(await res.json());
      // The answer is scrubbed too: it is stored (postmortem summary) and may repeat what it was told.
      return { text: scrubText(masker.unmask(body.choices[0]?.message.content ?? '')), tokens: body.usage?.total_tokens ?? 0 };
    },
  };
}
