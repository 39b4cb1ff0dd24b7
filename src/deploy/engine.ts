/**
 * The deploy engine shared by Apache and Asterisk.
 *
 * A Plan is computed purely from a Snapshot (see snapshot.ts) and lists EVERY effect of an install: file
 * writes (with their mode, owner and group), mode and owner changes, new directories, symlinks, touches,
 * reloads and verifications. `applyPlan` re-checks that every path it will touch is still exactly as the
 * snapshot recorded, backs the files up, applies the file effects in order (writes are atomic), runs the
 * target's config test, the reloads and the verifications, and on any failure reverses exactly the effects it
 * applied, in reverse order: bytes, mode, owner and group restored, new files and links removed, created
 * directories removed. `renderDiff` shows the same list, mode/owner changes included, never key material.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { chmod, chown, lchown, mkdir, rm, rmdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertkitError } from '../errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { readPathState, sameState, textOf, type PathState, type Snapshot } from './snapshot.js';

export type WriteEffect = {
  kind: 'write';
  path: string;
  content: string;
  mode: number;
  /** owner and group; undefined on a new file: whoever runs certkit */
  uid?: number;
  gid?: number;
  /** private key material: never shown in a diff */
  secret?: boolean;
};
export type ModeEffect = { kind: 'mode'; path: string; mode: number };
export type OwnerEffect = { kind: 'owner'; path: string; uid: number; gid: number };
export type MkdirEffect = { kind: 'mkdir'; path: string; mode: number; uid?: number; gid?: number };
export type LinkEffect = { kind: 'link'; path: string; target: string };
/** sets the mtime (e.g. Asterisk modules re-read TLS only when their .conf changed) */
export type TouchEffect = { kind: 'touch'; path: string; mtimeMs: number };
export type ReloadEffect = { kind: 'reload'; what: string };
export type VerifyEffect = { kind: 'verify'; host: string; port: number; name: string; fingerprint: string };

export type FileEffect = WriteEffect | ModeEffect | OwnerEffect | MkdirEffect | LinkEffect | TouchEffect;
export type Effect = FileEffect | ReloadEffect | VerifyEffect;

export interface Plan {
  target: string;
  /** what the plan was computed from: the engine checks it is still current before applying */
  snapshot: Snapshot;
  effects: Effect[];
  notes: string[];
}

export interface ApplySteps {
  /** e.g. configtest: throws when the new configuration is not accepted */
  test?: () => Promise<void>;
  /** runs one reload effect; throws on failure */
  reload: (e: ReloadEffect) => Promise<void>;
  /** runs one verify effect; default: a TLS handshake with SNI must show the fingerprint within 10 s */
  verify?: (e: VerifyEffect) => Promise<unknown>;
  /** further checks after every verify effect passed (e.g. each site serves its own content) */
  afterVerify?: () => Promise<void>;
  /** after files were restored: bring the server back (graceful, or start if it died) */
  recover: () => Promise<void>;
}

const isFileEffect = (e: Effect): e is FileEffect => e.kind !== 'reload' && e.kind !== 'verify';

function stateOf(plan: Plan, path: string): PathState {
  const s = plan.snapshot.get(path);
  if (!s) throw new Error(`internal: the plan touches ${path}, which discovery did not record`);
  return s;
}

/** Does this file effect change anything compared with the snapshot? */
function changes(plan: Plan, e: FileEffect): boolean {
  const s = stateOf(plan, e.path);
  switch (e.kind) {
    case 'write':
      return (
        s.kind !== 'file' ||
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
        !s.bytes!.equals(Buffer.from(e.content)) ||
        s.mode !== e.mode ||
        (e.uid !== undefined && s.uid !== e.uid) ||
        (e.gid !== undefined && s.gid !== e.gid)
      );
    case 'mode':
      return s.mode !== e.mode;
    case 'owner':
      return s.uid !== e.uid || s.gid !== e.gid;
    case 'mkdir':
      return s.kind !== 'dir';
    case 'link':
      return s.kind !== 'symlink' || s.linkTarget !== e.target;
    case 'touch':
      return true;
  }
}

/** The file effects that change something (touches count only alongside another change). */
export function effectiveEffects(plan: Plan): FileEffect[] {
  const real = plan.effects.filter(isFileEffect).filter((e) => e.kind !== 'touch' && changes(plan, e));
  if (real.length === 0) return [];
  return plan.effects.filter(isFileEffect).filter((e) => changes(plan, e));
}

export function isNoop(plan: Plan): boolean {
  return effectiveEffects(plan).length === 0;
}

/** The paths a plan changes, in order, each once. */
export function changedPaths(plan: Plan): string[] {
  return [...new Set(effectiveEffects(plan).map((e) => e.path))];
}

/** Content a file will have after the plan (or has now), for tests and callers that need the text. */
export function contentAfter(plan: Plan, path: string): string | null {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- get() returned a state on the same line
  let text = plan.snapshot.get(path) ? textOf(plan.snapshot.get(path)!) : null;
  for (const e of plan.effects) if (e.kind === 'write' && e.path === path) text = e.content;
  return text;
}

// ---------------------------------------------------------------- rendering

const octal = (m: number) => `0${(m & 0o7777).toString(8).padStart(3, '0')}`;

function idNames(file: string): Map<number, string> {
  const map = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && !map.has(Number(id))) map.set(Number(id), name);
    }
  } catch {
    /* no names: numbers are shown */
  }
  return map;
}
let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;
function owner(uid: number | undefined, gid: number | undefined): string {
  users ??= idNames('/etc/passwd');
  groups ??= idNames('/etc/group');
  const u = uid === undefined ? '(runner)' : (users.get(uid) ?? String(uid));
  const g = gid === undefined ? '(runner)' : (groups.get(gid) ?? String(gid));
  return `${u}:${g}`;
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A placeholder for key material: its public key's SHA-256 fingerprint, never the key. */
export function keyPlaceholder(pem: string): string {
  let digest: string;
  try {
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    digest = createHash('sha256').update(spki).digest('hex');
  } catch {
    digest = createHash('sha256').update(pem).digest('hex');
  }
  return `<private key, public key sha256 ${digest.slice(0, 16)}…>`;
}

function renderWrite(plan: Plan, e: WriteEffect): string {
  const s = stateOf(plan, e.path);
  const before = textOf(s);
  const head: string[] = [];
  if (s.kind !== 'file')
    head.push(`new file ${e.path} (mode ${octal(e.mode)}, owner ${owner(e.uid, e.gid)})`);
  else {
    if (s.mode !== e.mode) head.push(`mode ${e.path}: ${octal(s.mode)} -> ${octal(e.mode)}`);
    if ((e.uid !== undefined && e.uid !== s.uid) || (e.gid !== undefined && e.gid !== s.gid))
      head.push(`owner ${e.path}: ${owner(s.uid, s.gid)} -> ${owner(e.uid ?? s.uid, e.gid ?? s.gid)}`);
  }
  const out = head.map((h) => `# ${h}\n`).join('');
  if (before === e.content) return out;
  if (e.secret || PRIVATE_KEY.test(e.content) || PRIVATE_KEY.test(before ?? '')) {
    const was = before === null ? '(none)' : keyPlaceholder(before);
    return `${out}# key ${e.path}: ${was} -> ${keyPlaceholder(e.content)}\n`;
  }
  return (
    out +
    createTwoFilesPatch(
      before === null ? '/dev/null' : `a${e.path}`,
      `b${e.path}`,
      before ?? '',
      e.content,
      '',
      '',
      { context: 3 },
    )
  );
}

/** The dry-run view: every effective file effect, then the reloads and verifications that would follow. */
export function renderDiff(plan: Plan): string {
  const out: string[] = [];
  for (const e of effectiveEffects(plan)) {
    const s = stateOf(plan, e.path);
    if (e.kind === 'write') out.push(renderWrite(plan, e));
    else if (e.kind === 'mode') out.push(`# mode ${e.path}: ${octal(s.mode)} -> ${octal(e.mode)}\n`);
    else if (e.kind === 'owner')
      out.push(`# owner ${e.path}: ${owner(s.uid, s.gid)} -> ${owner(e.uid, e.gid)}\n`);
    else if (e.kind === 'mkdir')
      out.push(`# new directory ${e.path} (mode ${octal(e.mode)}, owner ${owner(e.uid, e.gid)})\n`);
    else if (e.kind === 'link')
      out.push(
        `# ${s.kind === 'absent' ? 'create' : 'replace'} symlink ${e.path} -> ${e.target}${s.kind === 'symlink' ? ` (was -> ${s.linkTarget})` : ''}\n`,
      );
    else out.push(`# touch ${e.path}\n`);
  }
  if (out.length === 0) return '';
  for (const e of plan.effects) {
    if (e.kind === 'reload') out.push(`# then reload: ${e.what}\n`);
    if (e.kind === 'verify')
      out.push(`# then verify: ${e.host}:${e.port} (SNI ${e.name}) serves ${e.fingerprint.slice(0, 23)}…\n`);
  }
  return out.join('');
}

// ---------------------------------------------------------------- applying

async function applyOne(e: FileEffect): Promise<void> {
  switch (e.kind) {
    case 'write':
      await writeFileAtomic(e.path, e.content, e.mode);
      if (e.uid !== undefined || e.gid !== undefined) await chown(e.path, e.uid ?? -1, e.gid ?? -1);
      await chmod(e.path, e.mode); // chown may clear set-id bits
      return;
    case 'mode':
      await chmod(e.path, e.mode);
      return;
    case 'owner':
      await lchown(e.path, e.uid, e.gid);
      return;
    case 'mkdir':
      await mkdir(e.path, { mode: e.mode });
      await chmod(e.path, e.mode);
      if (e.uid !== undefined || e.gid !== undefined) await chown(e.path, e.uid ?? -1, e.gid ?? -1);
      return;
    case 'link':
      await rm(e.path, { force: true });
      await symlink(e.target, e.path);
      return;
    case 'touch':
      await utimes(e.path, e.mtimeMs / 1000, e.mtimeMs / 1000);
      return;
  }
}

/** Puts one path back as the snapshot recorded it. */
async function restore(e: FileEffect, s: PathState): Promise<void> {
  if (e.kind === 'mkdir') {
    if (s.kind === 'absent') await rmdir(e.path).catch(() => {});
    return;
  }
  if (s.kind === 'absent') {
    await rm(e.path, { force: true });
    return;
  }
  if (s.kind === 'symlink') {
    await rm(e.path, { force: true });
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind symlink always holds its target
    await symlink(s.linkTarget!, e.path);
    await lchown(e.path, s.uid, s.gid);
    return;
  }
  if (s.kind === 'file' && (e.kind === 'write' || e.kind === 'link')) {
    if (e.kind === 'link') await rm(e.path, { force: true });
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
    await writeFileAtomic(e.path, s.bytes!, s.mode);
  }
  await chown(e.path, s.uid, s.gid);
  await chmod(e.path, s.mode);
  await utimes(e.path, s.mtimeMs / 1000, s.mtimeMs / 1000);
}

export interface ApplyResult {
  changed: string[];
  backupDir: string | null;
}

async function writeBackup(plan: Plan, effects: FileEffect[], backupRoot: string): Promise<string> {
  const backupDir = join(backupRoot, `${plan.target}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  const paths = [...new Set(effects.map((e) => e.path))];
  const manifest = paths.map((path, i) => {
    const s = stateOf(plan, path);
    return {
      path,
      kind: s.kind,
      mode: octal(s.mode),
      uid: s.uid,
      gid: s.gid,
      linkTarget: s.linkTarget,
      copy: `${i}`,
    };
  });
  await writeFile(join(backupDir, 'manifest.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
  for (const [i, path] of paths.entries()) {
    const s = stateOf(plan, path);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
    if (s.kind === 'file') await writeFile(join(backupDir, `${i}`), s.bytes!, { mode: 0o600 });
  }
  return backupDir;
}

/** The default verification: within 10 s, a TLS handshake with SNI shows the expected fingerprint. */
export async function verifyServed(e: VerifyEffect): Promise<string> {
  const { servedFingerprint, waitUntil } = await import('./probe.js');
  let served = '';
  const ok = await waitUntil(
    async () => (served = await servedFingerprint(e.host, e.port, e.name)) === e.fingerprint,
    10_000,
  );
  if (!ok)
    throw new CertkitError(
      'deploy',
      `${e.host}:${e.port} (SNI ${e.name}) does not serve the new certificate${served ? ` (it serves ${served.slice(0, 23)}…)` : ' (no TLS answer)'}`,
    );
  return served;
}

export async function applyPlan(
  plan: Plan,
  steps: ApplySteps,
  backupRoot: string | null,
): Promise<ApplyResult> {
  const effects = effectiveEffects(plan);
  if (effects.length === 0) return { changed: [], backupDir: null };
  for (const path of new Set(effects.map((e) => e.path))) {
    if (!sameState(readPathState(path), stateOf(plan, path))) {
      throw new CertkitError(
        'deploy',
        `${path} changed since the plan was made; nothing was written`,
        'run the command again',
      );
    }
  }
  const backupDir = backupRoot ? await writeBackup(plan, effects, backupRoot) : null;
  const applied: FileEffect[] = [];
  const rollback = async () => {
    const problems: string[] = [];
    for (const e of applied.reverse()) {
      try {
        await restore(e, stateOf(plan, e.path));
      } catch (err) {
        problems.push(`${e.path}: ${(err as Error).message}`);
      }
    }
    if (problems.length) throw new Error(`could not restore ${problems.join('; ')}`);
  };
  try {
    for (const e of effects) {
      applied.push(e);
      await applyOne(e);
    }
    await steps.test?.();
    for (const e of plan.effects) if (e.kind === 'reload') await steps.reload(e);
    for (const e of plan.effects) if (e.kind === 'verify') await (steps.verify ?? verifyServed)(e);
    await steps.afterVerify?.();
  } catch (err) {
    const restoreProblem = await rollback().then(
      () => null,
      (r: unknown) => r as Error,
    );
    try {
      await steps.recover();
    } catch (recoverErr) {
      throw new CertkitError(
        'deploy',
        `${(err as Error).message}; files were restored but the server could not be brought back: ${(recoverErr as Error).message}`,
        'check the server now',
      );
    }
    if (restoreProblem)
      throw new CertkitError(
        'deploy',
        `${(err as Error).message}; and ${restoreProblem.message}${backupDir ? ` (backup in ${backupDir})` : ''}`,
        'check those files now',
      );
    throw new CertkitError(
      'deploy',
      `${(err as Error).message}; every file was restored (bytes, modes, owners; new files and directories removed) and the server is running the old configuration`,
      err instanceof CertkitError ? err.hint : undefined,
    );
  }
  return { changed: [...new Set(effects.map((e) => e.path))], backupDir };
}
