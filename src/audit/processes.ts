/**
 * Which process owns a socket: /proc/PID/fd/* links read "socket:[INODE]". Only complete as root (other users'
 * fd directories are unreadable); what cannot be read is simply absent, never guessed.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface SocketOwner {
  pid: number;
  name: string;
}

export async function socketOwners(procRoot = '/proc'): Promise<Map<number, SocketOwner>> {
  const owners = new Map<number, SocketOwner>();
  const pids = (await readdir(procRoot).catch(() => [])).filter((d) => /^\d+$/.test(d));
  await Promise.all(
    pids.map(async (pid) => {
      const fdDir = join(procRoot, pid, 'fd');
      const fds = await readdir(fdDir).catch(() => [] as string[]);
      let name: string | null = null;
      for (const fd of fds) {
        const target = await readlink(join(fdDir, fd)).catch(() => '');
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (!m) continue;
        const inode = Number(m[1]);
        if (owners.has(inode)) continue;
        name ??= (await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => '?')).trim();
        owners.set(inode, { pid: Number(pid), name });
      }
    }),
  );
  return owners;
}
