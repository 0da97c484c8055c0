import { InputError } from '../../platform/errors.js';

/**
 * `timestamp,value` CSV (the NAB layout, and what `aegis detect` reads). Timestamps may be
 * `YYYY-MM-DD HH:MM:SS` (UTC, as NAB writes them), ISO 8601, or unix seconds; the original text is kept
 * so the output mirrors the input exactly.
 */
export interface ParsedCsv {
  timestampText: string[];
  valueText: string[];
  timestamps: Float64Array;
  values: Float64Array;
  /** Rows whose value was empty, NaN or not a number: kept in place (scored as missing) and counted. */
  missing: number;
}

const MAX_DATE_MS = 8.64e15;
const NAB_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

export function parseTimestamp(text: string): number {
  const s = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    const ms = n > 1e11 ? n : n * 1000; // unix seconds; values this large can only be milliseconds
    // Hundreds of digits read as Infinity: not an instant any later step could order or print.
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) throw new InputError(`timestamp "${text.slice(0, 40)}" is out of range`);
    return ms;
  }
  const m = NAB_TIME.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, sec, frac] = m;
    return Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(sec ?? 0),
      Number(`0.${frac ?? 0}`) * 1000,
    );
  }
  const parsed = Date.parse(s);
  if (Number.isNaN(parsed)) throw new InputError(`unreadable timestamp "${text}"`);
  return parsed;
}

export function parseSeriesCsv(text: string): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new InputError('the CSV needs a header with "timestamp" and "value" columns');
  const timestampText: string[] = [];
  const valueText: string[] = [];
  const ts: number[] = [];
  const vs: number[] = [];
  let missing = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line || !line.trim()) continue;
    const cells = line.split(',');
    const tText = cells[ti] ?? '';
    const vText = (cells[vi] ?? '').trim();
    let t: number;
    try {
      t = parseTimestamp(tText);
    } catch (err) {
      throw new InputError(`line ${i + 1}: ${(err as Error).message}`);
    }
    const v = vText === '' ? NaN : Number(vText);
    if (!Number.isFinite(v)) missing++;
    timestampText.push(tText.trim());
    valueText.push(vText);
    ts.push(t);
    vs.push(Number.isFinite(v) ? v : NaN);
  }
  return { timestampText, valueText, timestamps: Float64Array.from(ts), values: Float64Array.from(vs), missing };
}

/**
 * `timestamp,value,anomaly_score` (+ `alarm` 0/1 when `alarms` is given, so the alarms a run reports can be
 * found; NAB's scorer ignores extra columns); missing points score 0, scores keep 6 significant digits.
 */
export function formatScoresCsv(parsed: ParsedCsv, scores: Float64Array, alarms?: Uint8Array): string {
  const out = [alarms ? 'timestamp,value,anomaly_score,alarm' : 'timestamp,value,anomaly_score'];
  for (let i = 0; i < parsed.timestampText.length; i++) {
    const s = scores[i] ?? NaN;
    const row = `${parsed.timestampText[i]},${parsed.valueText[i]},${Number.isNaN(s) ? 0 : Number(s.toPrecision(6))}`;
    out.push(alarms ? `${row},${alarms[i] ? 1 : 0}` : row);
  }
  return out.join('\n') + '\n';
}
