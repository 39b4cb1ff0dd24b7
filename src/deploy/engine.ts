/**
 * The deploy engine shared by Apache and Asterisk: a Plan is a list of whole-file changes (computed purely);
 * applying it re-checks that nothing changed since planning, backs every file up, writes atomically, then
 * runs the target's test → reload → verify; on any failure every file is restored byte for byte and the
 * target's recover step brings the server back.
 */
import { createTwoFilesPatch } from 'diff';
import { chown, lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CertkitError } from '../errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';

export interface FileChange {
  path: string;
  /** content before (null: the file does not exist) */
  before: string | null;
  /** content after (null: remove the file) */
  after: string | null;
  mode?: number;
  /** group owner to set after writing (e.g. asterisk, which reads its keys after dropping root) */
  gid?: number;
  /** for symlinks (a2ensite/a2enmod style): the link target; before/after then hold the target too */
  symlink?: boolean;
}

export interface Plan {
  target: string;
  changes: FileChange[];
  notes: string[];
}

export interface ApplySteps {
  /** e.g. configtest: throws when the new configuration is not accepted */
  test?: () => Promise<void>;
  reload: () => Promise<void>;
  /** proves the server serves the new certificate; throws otherwise */
  verify: () => Promise<void>;
  /** after files were restored: bring the server back (graceful, or start if it died) */
  recover: () => Promise<void>;
}

export function effectiveChanges(plan: Plan): FileChange[] {
  return plan.changes.filter((c) => c.before !== c.after);
}

export function isNoop(plan: Plan): boolean {
  return effectiveChanges(plan).length === 0;
}

export function renderDiff(plan: Plan): string {
  return effectiveChanges(plan)
    .map((c) => {
      if (c.symlink)
        return `${c.after === null ? 'remove' : 'create'} symlink ${c.path} -> ${c.after ?? c.before}\n`;
      return createTwoFilesPatch(
        c.before === null ? '/dev/null' : `a${c.path}`,
        c.after === null ? '/dev/null' : `b${c.path}`,
        c.before ?? '',
        c.after ?? '',
        '',
        '',
        { context: 3 },
      );
    })
    .join('');
}

async function currentState(c: FileChange): Promise<string | null> {
  try {
    if (c.symlink) {
      const st = await lstat(c.path);
      return st.isSymbolicLink() ? await readlink(c.path) : '(not a symlink)';
    }
    return await readFile(c.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function put(c: FileChange, content: string | null): Promise<void> {
  if (content === null) {
    await rm(c.path, { force: true });
    return;
  }
  await mkdir(dirname(c.path), { recursive: true });
  if (c.symlink) {
    await rm(c.path, { force: true });
    await symlink(content, c.path);
    return;
  }
  await writeFileAtomic(c.path, content, c.mode ?? 0o644);
  if (c.gid !== undefined) await chown(c.path, process.getuid?.() ?? 0, c.gid);
}

export interface ApplyResult {
  changed: string[];
  backupDir: string | null;
}

export async function applyPlan(
  plan: Plan,
  steps: ApplySteps,
  backupRoot: string | null,
): Promise<ApplyResult> {
  const changes = effectiveChanges(plan);
  if (changes.length === 0) return { changed: [], backupDir: null };
  for (const c of changes) {
    if ((await currentState(c)) !== c.before) {
      throw new CertkitError(
        'deploy',
        `${c.path} changed since the plan was made; nothing was written`,
        'run the command again',
      );
    }
  }
  let backupDir: string | null = null;
  if (backupRoot) {
    backupDir = join(backupRoot, `${plan.target}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(backupDir, { recursive: true, mode: 0o700 });
    const manifest = changes.map((c) => ({ path: c.path, existed: c.before !== null, symlink: !!c.symlink }));
    await writeFile(join(backupDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    for (const [i, c] of changes.entries())
      if (c.before !== null) await writeFile(join(backupDir, `${i}`), c.before, { mode: 0o600 });
  }
  const written: FileChange[] = [];
  const rollback = async () => {
    for (const c of written.reverse()) await put(c, c.before);
  };
  try {
    for (const c of changes) {
      written.push(c);
      await put(c, c.after);
    }
    await steps.test?.();
    await steps.reload();
    await steps.verify();
  } catch (err) {
    await rollback();
    try {
      await steps.recover();
    } catch (recoverErr) {
      throw new CertkitError(
        'deploy',
        `${(err as Error).message}; files were restored but the server could not be brought back: ${(recoverErr as Error).message}`,
        'check the server now',
      );
    }
    throw new CertkitError(
      'deploy',
      `${(err as Error).message}; every file was restored and the server is running the old configuration`,
      err instanceof CertkitError ? err.hint : undefined,
    );
  }
  return { changed: changes.map((c) => c.path), backupDir };
}
