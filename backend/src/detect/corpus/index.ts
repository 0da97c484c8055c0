import { copyFile, mkdir, open, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Collects every `timestamp,value` CSV under `from` into `to`, keeping relative paths, and nothing else:
 * label files, configs and other CSVs never reach the folder a detector reads (the NAB bench runs on it).
 */
export async function copySeriesCsvs(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.csv') && (await isSeriesCsv(full))) {
        const rel = path.relative(from, full);
        await mkdir(path.dirname(path.join(to, rel)), { recursive: true });
        await copyFile(full, path.join(to, rel));
        copied.push(rel);
      }
    }
  };
  await walk(from);
  return copied;
}

/** A series CSV is one whose header is exactly `timestamp,value` (NAB data files). */
async function isSeriesCsv(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const header = buf.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    return (
      header
        .replace(/^\uFEFF/, '')
        .trim()
        .toLowerCase()
        .replace(/\s+/g, '') === 'timestamp,value'
    );
  } finally {
    await handle.close();
  }
}
