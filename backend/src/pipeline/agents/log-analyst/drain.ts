/**
 * Drain-style log template mining (He et al., 2017): lines are grouped by token count and first
 * token, then joined to the most similar template when enough tokens agree; differing tokens become <*>.
 */
export interface Template {
  id: number;
  tokens: string[];
  count: number;
  examples: string[];
}

export interface Drain {
  add(line: string): Template;
  templates(): Template[];
}

const VARIABLE = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?$/,
  /^0x[0-9a-f]+$/i,
  /^[0-9a-f]{12,}$/i,
  /^[-+]?\d+(?:\.\d+)?(?:ms|s|m|h|%|b|kb|mb|mib|gib)?[,;]?$/i,
  /^\d{4}-\d{2}-\d{2}t?[\d:.]*z?$/i,
];

export function tokenize(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => {
      const bare = t.replace(/^["'([{]+|["')\]},;:]+$/g, '');
      if (VARIABLE.some((re) => re.test(bare))) return '<*>';
      const kv = /^([\w.-]+)=(.+)$/.exec(t);
      if (kv && /\d/.test(kv[2] ?? '')) return `${kv[1]}=<*>`;
      return t;
    });
}

export function createDrain(opts: { similarity?: number; maxExamples?: number; maxTemplates?: number } = {}): Drain {
  const threshold = opts.similarity ?? 0.5;
  const maxExamples = opts.maxExamples ?? 3;
  const maxTemplates = opts.maxTemplates ?? 5_000;
  const groups = new Map<string, Template[]>();
  const all: Template[] = [];
  return {
    add(line) {
      const tokens = tokenize(line);
      const key = `${tokens.length}|${tokens[0]?.startsWith('<') ? '<*>' : tokens[0] ?? ''}`;
      const group = groups.get(key) ?? [];
      groups.set(key, group);
      let best: Template | undefined;
      let bestScore = -1;
      for (const t of group) {
        let same = 0;
        for (let i = 0; i < tokens.length; i++) if (t.tokens[i] === tokens[i] && tokens[i] !== '<*>') same++;
        const score = tokens.length ? same / tokens.length : 1;
        if (score > bestScore) [best, bestScore] = [t, score];
      }
      if (best && bestScore >= threshold) {
        best.tokens = best.tokens.map((tok, i) => (tok === tokens[i] ? tok : '<*>'));
        best.count++;
        if (best.examples.length < maxExamples) best.examples.push(line);
        return best;
      }
      const t: Template = { id: all.length + 1, tokens, count: 1, examples: [line] };
      if (all.length < maxTemplates) {
        group.push(t);
        all.push(t);
      }
      return t;
    },
    templates: () => all,
  };
}
