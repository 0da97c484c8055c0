/** Secret detection for changed files: known token shapes, plus high-entropy values assigned to secret-like keys. */
export interface SecretFinding {
  file: string;
  line: number;
  rule: string;
  /** The value, redacted (first and last two characters). */
  match: string;
}

const PATTERNS: Array<[string, RegExp]> = [
  ['aws-access-key-id', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['private-key', /-----BEGIN (?:RSA |EC |OPENSSH |DSA |PGP )?PRIVATE KEY-----/],
  ['github-token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['slack-token', /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/],
  ['slack-webhook', /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/],
  ['google-api-key', /\bAIza[0-9A-Za-z_-]{35}\b/],
  ['jwt', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/],
];
const ASSIGNMENT = /(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)["']?\s*[:=]\s*["']?([^\s"'#]{12,})/i;

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const redact = (v: string) => (v.length <= 6 ? '***' : `${v.slice(0, 2)}…${v.slice(-2)}`);

export function findSecrets(files: Array<{ path: string; content: string }>): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const f of files) {
    f.content.split('\n').forEach((text, i) => {
      for (const [rule, re] of PATTERNS) {
        const m = re.exec(text);
        if (m) out.push({ file: f.path, line: i + 1, rule, match: redact(m[0]) });
      }
      const a = ASSIGNMENT.exec(text);
      const value = a?.[1];
      // Placeholders and references (${VAR}, <changeme>) are low-entropy or templated; real secrets are not.
      if (value && !/^\$\{|^<|^\{\{/.test(value) && shannonEntropy(value) >= 3.5) {
        out.push({ file: f.path, line: i + 1, rule: 'high-entropy-assignment', match: redact(value) });
      }
    });
  }
  return out;
}
