// `npm run package`: one installable zip per plugin in Grafana's layout (<plugin-id>/plugin.json,
// module.js, …), written to artifacts/<id>-<version>.zip with a .sha256 next to it. Source maps are left
// out. Plain zip (deflate) written with node:zlib, so no zip tool is needed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'artifacts');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : name.endsWith('.map') ? [] : [p];
  });
}

/** A zip archive (PKZIP 2.0, deflate) of the given entries. */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0x210000, 10); // 1980-01-01 00:00: fixed, so archives are reproducible
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by unix, v2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0x210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, deflated);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + deflated.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

mkdirSync(out, { recursive: true });
for (const workspace of ['plugin-app', 'plugin-datasource']) {
  const dist = path.join(root, workspace, 'dist');
  const plugin = JSON.parse(readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
  const entries = files(dist)
    .sort()
    .map((f) => ({ name: `${plugin.id}/${path.relative(dist, f).split(path.sep).join('/')}`, data: readFileSync(f) }));
  const archive = zip(entries);
  const file = path.join(out, `${plugin.id}-${plugin.info.version}.zip`);
  writeFileSync(file, archive);
  const sha = createHash('sha256').update(archive).digest('hex');
  writeFileSync(`${file}.sha256`, `${sha}  ${path.basename(file)}\n`);
  console.log(`${path.relative(root, file)}  ${entries.length} files, ${(archive.length / 1024).toFixed(0)} KiB, sha256 ${sha.slice(0, 16)}…`);
}
