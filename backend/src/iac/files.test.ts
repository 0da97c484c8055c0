import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listIacFiles, readConfined } from './files.js';

let dir: string;
let root: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aegis-files-'));
  root = path.join(dir, 'root');
  outside = path.join(dir, 'outside');
  await mkdir(path.join(root, 'app'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(root, 'app', 'pod.yaml'), 'kind: Pod\n');
  await writeFile(path.join(outside, 'pod.yaml'), 'secret: from-outside\n');
});

afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('reading listed IaC files under an allowed root', () => {
  it('reads a listed file', async () => {
    expect(await listIacFiles(root)).toEqual(['app/pod.yaml']);
    expect((await readConfined(root, 'app/pod.yaml'))?.content).toBe('kind: Pod\n');
  });

  it('refuses a folder swapped for a symlink to outside the root after the listing', async () => {
    const rels = await listIacFiles(root);
    await rename(path.join(root, 'app'), path.join(dir, 'moved'));
    await symlink(outside, path.join(root, 'app'));
    expect(await readConfined(root, rels[0] as string)).toBeUndefined();
  });

  it('refuses a file swapped for a symlink after the listing', async () => {
    const rels = await listIacFiles(root);
    await rm(path.join(root, 'app', 'pod.yaml'));
    await symlink(path.join(outside, 'pod.yaml'), path.join(root, 'app', 'pod.yaml'));
    expect(await readConfined(root, rels[0] as string)).toBeUndefined();
  });
});
