import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, PayloadTooLargeError } from '../platform/errors.js';
import type { SourceFile } from './model.js';

const IAC_FILE = /\.(tf|tfvars|ya?ml|json|template)$/i;

/**
 * Reads a tar (optionally gzipped) archive into files: regular files only, IaC extensions only, no absolute paths or
 * `..` segments, bounded in count and size.
 */
export function extractTar(data: Buffer, opts: { maxFiles?: number; maxBytes?: number } = {}): SourceFile[] {
  const maxFiles = opts.maxFiles ?? 20_000;
  const maxBytes = opts.maxBytes ?? 200 * 1024 * 1024;
  let buf = data;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch (err) {
      // A gzip bomb is a size problem (413), not a malformed archive.
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
        throw new PayloadTooLargeError(`archive decompresses to more than ${maxBytes} bytes`);
      throw new InputError(`archive is not valid gzip: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const files: SourceFile[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.toString('utf8', start, start + len).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 48);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (!Number.isFinite(size) || size < 0) throw new InputError('archive has a corrupt header');
    const body = buf.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type !== '0' && type !== '\0') continue;
    const clean = path.posix.normalize(name.replace(/^\.\//, ''));
    if (clean.startsWith('/') || clean.split('/').includes('..')) throw new InputError(`archive entry ${name} escapes the archive`);
    if (!IAC_FILE.test(clean)) continue;
    files.push({ path: clean, content: body.toString('utf8') });
    if (files.length > maxFiles) throw new PayloadTooLargeError(`archive has more than ${maxFiles} IaC files`);
  }
  return files;
}
