/**
 * What the Asterisk installer needs from the machine, kept apart from the install flow: running `asterisk`,
 * the asterisk group, whether that group can read a file, and touching a configuration file.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { stat, utimes } from 'node:fs/promises';

export type CommandRunner = (
  cmd: string,
  args: string[],
) => Promise<{ code: number; output: string; missing?: boolean }>;

export const spawnRunner: CommandRunner = (cmd, args) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: 127, output: err.message, missing: err.code === 'ENOENT' }),
    );
    child.on('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
  });

/** The asterisk group id from /etc/group, or null. */
export function asteriskGroupId(groupFile = '/etc/group'): number | null {
  try {
    const line = readFileSync(groupFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('asterisk:'));
    return line ? Number(line.split(':')[2]) : null;
  } catch {
    return null;
  }
}

/** The first path (or a directory on the way to it) that members of the group cannot read/traverse, or null. */
export async function unreadableByGroup(paths: string[], gid: number): Promise<string | null> {
  for (const p of paths) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const sub = '/' + parts.slice(0, i).join('/');
      const st = await stat(sub).catch(() => null);
      if (!st) return sub;
      const need = i === parts.length ? 0o4 : 0o1;
      const ok = (st.mode & need) !== 0 || (st.gid === gid && (st.mode & (need << 3)) !== 0);
      if (!ok) return sub;
    }
  }
  return null;
}

/** Sets a file's mtime to now (Asterisk modules re-read a .conf whose stat changed); a missing file is fine. */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => {});
}
