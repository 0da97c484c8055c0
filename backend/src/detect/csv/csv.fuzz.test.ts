import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvTarget } from '../../../bench/fuzz/csv.js';
import { assertNoCrash } from '../../../bench/fuzz/target.js';
import { InputError } from '../../platform/errors.js';
import { formatScoresCsv, parseSeriesCsv, parseTimestamp } from './index.js';

// The bench's property (npm run bench:fuzz) at test size: a bad file is an InputError naming the line; an accepted
// one has a finite timestamp per row and round-trips through the score writer.
describe('detection CSV under fuzzing', () => {
  it('typed rejection or finite, round-tripping rows', async () => {
    await assertNoCrash(csvTarget(), 500);
  });

  it('round-trips generated series exactly (timestamps and values as written)', () => {
    const row = fc.tuple(fc.date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(NaN)));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 50 }), (rows) => {
        const text = ['timestamp,value', ...rows.map(([t, v]) => `${t.toISOString()},${Number.isNaN(v) ? '' : String(v)}`)].join('\n');
        const parsed = parseSeriesCsv(text);
        expect([...parsed.timestamps]).toEqual(rows.map(([t]) => t.getTime()));
        expect(parsed.missing).toBe(rows.filter(([, v]) => Number.isNaN(v)).length);
        const again = parseSeriesCsv(formatScoresCsv(parsed, new Float64Array(rows.length)));
        expect(again.timestampText).toEqual(parsed.timestampText);
        expect(again.valueText).toEqual(parsed.valueText);
      }),
      { numRuns: 200 },
    );
  });
});

describe('CSV regressions found by the fuzzer', () => {
  it('a timestamp of hundreds of digits is out of range, not Infinity', () => {
    expect(() => parseTimestamp('9'.repeat(400))).toThrow(InputError);
    expect(() => parseSeriesCsv(`timestamp,value\n${'9'.repeat(400)},1\n`)).toThrow(/line 2: timestamp "9+" is out of range/);
    expect(() => parseTimestamp(`-${'9'.repeat(30)}`)).toThrow(/out of range/);
    expect(parseTimestamp('1400000000')).toBe(1_400_000_000_000);
  });
});
