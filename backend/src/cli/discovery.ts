import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * A running local server announces itself in `$AEGIS_HOME/server.json`: its address and a CLI token
 * (admin, created at start, revoked at stop; the file is readable by its owner only, like the
 * kubeconfig beside it). CLI commands use it when AEGIS_URL is unset, instead of opening the embedded
 * database the server holds.
 */
export const SERVER_FILE = 'server.json';

const serverFileSchema = z.object({ url: z.string().url(), token: z.string().min(1), pid: z.number().int() });
export type ServerFile = z.infer<typeof serverFileSchema>;

export async function writeServerFile(home: string, info: ServerFile): Promise<string> {
  const file = path.join(home, SERVER_FILE);
  await writeFile(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

export async function removeServerFile(home: string): Promise<void> {
  await rm(path.join(home, SERVER_FILE), { force: true });
}

/** The announced server, when the file is there and its process is alive. */
export async function readServerFile(home: string): Promise<ServerFile | undefined> {
  let info: ServerFile;
  try {
    info = serverFileSchema.parse(JSON.parse(await readFile(path.join(home, SERVER_FILE), 'utf8')));
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    // EPERM: alive but another user's; ESRCH: gone (a crashed server leaves its file behind).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return info;
}
