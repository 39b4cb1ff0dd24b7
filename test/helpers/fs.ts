import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Every file (content) and symlink (target) under dir: compare two snapshots to prove nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) out[p] = `-> ${readlinkSync(p)}`;
    else if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else out[p] = readFileSync(p, 'utf8');
  };
  walk(dir);
  return out;
}
