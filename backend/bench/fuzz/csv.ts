import fc from 'fast-check';
import { formatScoresCsv, parseSeriesCsv } from '../../src/detect/csv/index.js';
import { hostileString, mutatedText } from './arbitraries.js';
import { InvariantError, type FuzzTarget } from './target.js';

const SEED = 'timestamp,value\n2014-04-01 00:00:00,20.5\n2014-04-01 00:05:00,21\n2014-04-01 00:10:00,\n2014-04-01 00:15:00,NaN\n';

const timestampCell = fc.oneof(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').slice(0, 19)),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: -1e15, max: 1e15 }).map(String),
  fc.double().map(String),
  fc.constantFrom('9'.repeat(400), '-' + '9'.repeat(400), '1.' + '5'.repeat(400), '2014-02-30 25:61:61', '99999-01-01 00:00:00', '2014-01-01 00:00:00.' + '9'.repeat(50), '0000-00-00 00:00', '275761-01-01', ''),
  hostileString,
);
const valueCell = fc.oneof(fc.double().map(String), fc.integer().map(String), fc.constantFrom('', 'NaN', 'Infinity', '-Infinity', '1e309', '0x10', '1_000', ' 3 '), hostileString);
const header = fc.oneof(
  { weight: 8, arbitrary: fc.constant('timestamp,value') },
  { weight: 2, arbitrary: fc.constantFrom('value,timestamp', 'Timestamp , VALUE ,extra', 'timestamp', 'ts,val', '', 'timestamp,value,timestamp') },
  { weight: 1, arbitrary: hostileString },
);
const generated = fc
  .tuple(header, fc.array(fc.tuple(timestampCell, valueCell, fc.constantFrom(',', ',,', ';', '\t')), { maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([h, rows, eol]) => [h, ...rows.map(([t, v, sep]) => `${t}${sep}${v}`)].join(eol));

export const csvInput = fc.oneof({ weight: 6, arbitrary: generated }, { weight: 3, arbitrary: mutatedText([SEED]) }, { weight: 1, arbitrary: hostileString });

/**
 * The detection CSV reader: a bad file is an InputError naming the line; an accepted one has one finite timestamp
 * per row and round-trips through the score writer with its original text.
 */
export function csvTarget(): FuzzTarget<string> {
  return {
    name: 'detect:csv',
    weight: 12,
    arbitrary: csvInput,
    run(text) {
      const parsed = parseSeriesCsv(text);
      const n = parsed.timestampText.length;
      if (parsed.valueText.length !== n || parsed.timestamps.length !== n || parsed.values.length !== n) throw new InvariantError('columns of unequal length');
      for (let i = 0; i < n; i++) if (!Number.isFinite(parsed.timestamps[i])) throw new InvariantError(`row ${i + 1}: timestamp "${parsed.timestampText[i]}" read as ${parsed.timestamps[i]}`);
      const out = formatScoresCsv(parsed, new Float64Array(n));
      const again = parseSeriesCsv(out);
      if (again.timestampText.join('\n') !== parsed.timestampText.join('\n')) throw new InvariantError('timestamps do not round-trip through the score CSV');
      return undefined;
    },
  };
}
