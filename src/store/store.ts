/**
 * The versioned lineage store.
 *
 *   <root>/lineages/<name>/settings.json          how it was obtained, renewed, deployed
 *   <root>/lineages/<name>/versions/<n>/           cert.pem chain.pem fullchain.pem privkey.pem
 *   <root>/lineages/<name>/pending/                privkey.pem csr.pem (a CSR waiting for its certificate)
 *   <root>/live/<name> -> ../lineages/<name>/versions/<n>   (symlink, swapped by rename: atomic)
 *   <root>/.lock                                   one writer at a time
 *
 * A version directory is written under a temp name, fsynced, verified, then renamed into place; only then
 * does live/<name> move. A crash at any instant leaves live pointing at a complete old or new version.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CertkitError, inputError, systemError } from '../errors.js';
import { LineageSettingsSchema, parseJsonFile } from '../config/schemas.js';
import { ensureDir, fsyncDir, tempNameFor, writeFileAtomic, writeNewFile } from '../util/fs-atomic.js';
import { splitPem } from '../pki/pem.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import { sweepLockLeftovers, withLock } from './lock.js';
import { LINEAGE_NAME } from './paths.js';
import { LIVE_FILES, type LineageSettings, type VersionFiles } from './types.js';

const DEFAULT_KEEP = 5;

/** A lineage certkit cannot use as it is, and why (shown by list and check store, an error in renew). */
export interface LineageHealth {
  name: string;
  settings: LineageSettings | null;
  /** null when the lineage is usable */
  problem: string | null;
  /**
   * What an interrupted first request leaves: a directory with no settings, no version and no live link
   * (at most a dead writer's temp files). No certificate exists, so there is nothing to renew or show.
   */
  leftover?: boolean;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? '';
const isPid = (s: string) => /^\d+$/.test(s);
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === 'EPERM';
  }
}

export class Store {
  constructor(
    readonly root: string,
    private readonly opts: { lockWaitMs?: number } = {},
  ) {}

  lineageDir(name: string): string {
    return join(this.root, 'lineages', name);
  }
  versionsDir(name: string): string {
    return join(this.lineageDir(name), 'versions');
  }
  pendingDir(name: string): string {
    return join(this.lineageDir(name), 'pending');
  }
  /** The stable directory servers point at: its file names never change. */
  liveDir(name: string): string {
    return join(this.root, 'live', name);
  }
  livePath(name: string, file: (typeof LIVE_FILES)[number]): string {
    return join(this.liveDir(name), file);
  }

  /** Creates the store's directories; a --store that is a file (or lies under one) is one line, exit 2. */
  async init(): Promise<void> {
    for (const dir of [this.root, join(this.root, 'lineages'), join(this.root, 'live')])
      await ensureDir(dir).catch((err: unknown) => {
        if (errno(err) === 'EEXIST' || errno(err) === 'ENOTDIR') throw this.notADirectory(dir);
        throw err;
      });
  }

  /** Runs fn holding the store lock (waits for another run, fails clearly after lockWaitMs). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await this.init();
      return await withLock(join(this.root, '.lock'), fn, { waitMs: this.opts.lockWaitMs });
    } catch (err) {
      throw systemError(err) ?? err; // full disk, read-only store, permissions: one line, exit 8
    }
  }

  static checkName(name: string): void {
    if (!LINEAGE_NAME.test(name) || name.includes('..')) {
      throw inputError(
        `"${name}" is not a valid lineage name`,
        'use letters, digits, dots, dashes and underscores',
      );
    }
  }

  /**
   * Every entry of lineages/ (broken ones too: see health()). An unreadable store is an error, not empty; so
   * is a store that does not exist or is not a directory (a mistyped --store). An existing, new store is empty.
   */
  async names(): Promise<string[]> {
    try {
      return (await readdir(join(this.root, 'lineages'))).filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw systemError(err) ?? err;
      await this.requireRoot();
      if (errno(err) === 'ENOTDIR') throw this.notADirectory(join(this.root, 'lineages'));
      return [];
    }
  }

  /** Fails unless the store's directory exists (exit 3) and is a directory (exit 2). */
  async requireRoot(): Promise<void> {
    const st = await stat(this.root).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return null;
      throw systemError(err) ?? err;
    });
    if (!st)
      throw new CertkitError(
        'not-found',
        `the store ${this.root} does not exist`,
        'check --store (or CERTKIT_STORE); certkit request, import or selfsigned create it',
      );
    if (!st.isDirectory()) throw this.notADirectory(this.root);
  }

  private notADirectory(path: string): CertkitError {
    const which = path === this.root ? '' : ` (${path} is not one)`;
    return inputError(
      `the store ${this.root} is not a directory${which}`,
      'give --store the store directory',
    );
  }

  /** Whether a lineage can be used, and if not, why: never skipped silently. */
  async health(name: string): Promise<LineageHealth> {
    const dir = this.lineageDir(name);
    const st = await lstat(dir).catch((err: unknown) => {
      throw systemError(err) ?? err;
    });
    if (!st.isDirectory())
      return { name, settings: null, problem: `${dir} is not a directory (move it aside)` };
    try {
      const settings = await this.readSettings(name);
      if (!settings && (await this.isLeftover(name)))
        return { name, settings: null, problem: null, leftover: true };
      if (!settings)
        return {
          name,
          settings: null,
          problem: `${join(dir, 'settings.json')} is missing, so certkit does not know how to renew it (import it again, or request it again)`,
        };
      return { name, settings, problem: await this.liveProblem(name) };
    } catch (err) {
      return { name, settings: null, problem: (err as Error).message };
    }
  }

  /**
   * live/<name> must be certkit's link to a version: a file or directory put in its place by hand is neither
   * read (list showed no certificate and no problem) nor replaceable by one rename (renew ordered a certificate,
   * then failed, leaving a temp link and telling to free disk space).
   */
  private async liveProblem(name: string): Promise<string | null> {
    const live = this.liveDir(name);
    const st = await lstat(live).catch(() => null);
    if (!st || st.isSymbolicLink()) return null;
    return `${live} is a ${st.isDirectory() ? 'directory' : 'file'}, not certkit's link to a version (move it aside: the next renew makes a new live version)`;
  }

  /** Whether anything is at lineages/<name> (a directory, or something broken in its place). */
  async lineageExists(name: string): Promise<boolean> {
    return (await lstat(this.lineageDir(name)).catch(() => null)) !== null;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.readSettings(name)) !== null;
  }

  /**
   * The lineage's settings, validated; null when there is no settings.json (and no complete copy a killed
   * writer left in a temp file, which is recovered). Unreadable or invalid settings are an error naming the
   * file and the field (exit 2), a permission problem exit 8.
   */
  async readSettings(name: string): Promise<LineageSettings | null> {
    const file = join(this.lineageDir(name), 'settings.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return this.recoverSettings(name);
      if (errno(err) === 'ENOTDIR') return null;
      throw systemError(err) ?? inputError(`cannot read ${file} (${errno(err) || (err as Error).message})`);
    }
    return parseJsonFile(LineageSettingsSchema, text, file, 'fix or restore the file');
  }

  private async isLeftover(name: string): Promise<boolean> {
    if ((await this.versions(name)).length || (await this.liveVersion(name)) !== null) return false;
    const entries = await readdir(this.lineageDir(name)).catch(() => [] as string[]);
    return entries.every((e) => e.startsWith('.') || e === 'versions');
  }

  /** A settings.json a killed writer left complete in its temp file: put it in place and use it. */
  private async recoverSettings(name: string): Promise<LineageSettings | null> {
    const dir = this.lineageDir(name);
    const temps = (await readdir(dir).catch(() => [] as string[]))
      .filter((e) => {
        // only a dead writer's temp file: a live writer is about to rename it itself
        const m = /^\.settings\.json\.tmp-(\d+)-/.exec(e);
        return !!m && !pidAlive(Number(m[1]));
      })
      .sort()
      .reverse();
    for (const t of temps) {
      try {
        const text = await readFile(join(dir, t), 'utf8');
        const settings = parseJsonFile(LineageSettingsSchema, text, join(dir, t));
        await rename(join(dir, t), join(dir, 'settings.json')).catch(() => {});
        return settings;
      } catch {
        /* incomplete: the writer died while writing it; the sweep removes it */
      }
    }
    return null;
  }

  async writeSettings(settings: LineageSettings): Promise<void> {
    Store.checkName(settings.name);
    await ensureDir(this.lineageDir(settings.name));
    const data = JSON.stringify({ ...settings, updatedAt: new Date().toISOString() }, null, 2) + '\n';
    await writeFileAtomic(join(this.lineageDir(settings.name), 'settings.json'), data, 0o600);
  }

  async versions(name: string): Promise<number[]> {
    try {
      return (await readdir(this.versionsDir(name)))
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  async liveVersion(name: string): Promise<number | null> {
    try {
      const target = await readlink(this.liveDir(name));
      const n = Number(target.split('/').pop());
      return Number.isFinite(n) ? n : null;
    } catch {
      return null;
    }
  }

  async readLive(name: string): Promise<(VersionFiles & { version: number; fullchainPem: string }) | null> {
    const version = await this.liveVersion(name);
    if (version === null) return null;
    const dir = this.liveDir(name);
    const [certPem, chainPem, fullchainPem, keyPem] = await Promise.all(
      ['cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- Promise.all over four files yields four strings
    return { version, certPem: certPem!, chainPem: chainPem!, fullchainPem: fullchainPem!, keyPem: keyPem! };
  }

  /** Checks a version before it may go live: PEM, key matches, chain certificates parse. */
  static verifyVersion(files: VersionFiles): void {
    const certBlocks = splitPem(files.certPem).filter((b) => b.label === 'CERTIFICATE');
    if (certBlocks.length !== 1) throw inputError('a version needs exactly one leaf certificate');
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- exactly one certificate block (checked above)
    const leaf = new X509Certificate(certBlocks[0]!.der);
    for (const b of splitPem(files.chainPem || '')) new X509Certificate(b.der);
    const key = createPrivateKey(files.keyPem);
    if (!keyMatchesCertificate(key, leaf)) {
      throw inputError(
        'the private key does not match the certificate',
        'give the key the certificate was issued for',
      );
    }
  }

  /**
   * Removes what killed writers left: temp version directories and links, settings temp files whose writer is
   * gone, and lock temp files. Call under the lock.
   */
  async sweep(name: string): Promise<void> {
    await this.recoverSettings(name).catch(() => null);
    const dir = this.lineageDir(name);
    for (const e of await readdir(dir).catch(() => [] as string[])) {
      const m = /^\.settings\.json\.tmp-(\d+)-/.exec(e);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
      if (m && isPid(m[1]!) && !pidAlive(Number(m[1]))) await rm(join(dir, e), { force: true });
    }
    await sweepLockLeftovers(join(dir, '.renew.lock'));
    await sweepLockLeftovers(join(this.root, '.lock'));
    for (const dir of [this.versionsDir(name), join(this.root, 'live')]) {
      let entries: string[] = [];
      try {
        entries = await readdir(dir);
      } catch {
        continue;
      }
      for (const e of entries)
        if (e.startsWith('.') && e.includes('.tmp-'))
          await rm(join(dir, e), { recursive: true, force: true });
    }
  }

  /**
   * Writes a new version and switches live to it. Call under the lock (see locked()).
   * Returns the new version number.
   */
  async addVersion(name: string, files: VersionFiles, opts: { keep?: number } = {}): Promise<number> {
    Store.checkName(name);
    Store.verifyVersion(files);
    await this.sweep(name);
    const versionsDir = this.versionsDir(name);
    await ensureDir(versionsDir);
    const existing = await this.versions(name);
    const next = (existing[existing.length - 1] ?? 0) + 1;
    const finalDir = join(versionsDir, String(next).padStart(4, '0'));
    const tmpDir = tempNameFor(finalDir);
    await mkdir(tmpDir, { mode: 0o700 });
    const chain = files.chainPem.trim() ? files.chainPem.trim() + '\n' : '';
    const fullchain = files.certPem.trim() + '\n' + chain;
    await writeNewFile(join(tmpDir, 'cert.pem'), files.certPem.trim() + '\n', 0o644);
    await writeNewFile(join(tmpDir, 'chain.pem'), chain, 0o644);
    await writeNewFile(join(tmpDir, 'fullchain.pem'), fullchain, 0o644);
    await writeNewFile(join(tmpDir, 'privkey.pem'), files.keyPem, 0o600);
    await fsyncDir(tmpDir);
    await rename(tmpDir, finalDir);
    await fsyncDir(versionsDir);
    await this.switchLive(name, finalDir);
    await this.prune(name, opts.keep ?? (await this.readSettings(name))?.keepVersions ?? DEFAULT_KEEP);
    return next;
  }

  private async switchLive(name: string, versionDir: string): Promise<void> {
    const liveRoot = join(this.root, 'live');
    await ensureDir(liveRoot);
    const link = this.liveDir(name);
    const tmpLink = tempNameFor(link);
    await symlink(relative(liveRoot, versionDir), tmpLink);
    await rename(tmpLink, link).catch(async (err: unknown) => {
      await rm(tmpLink, { force: true });
      const problem = await this.liveProblem(name);
      throw problem ? inputError(problem) : err;
    });
    await fsyncDir(liveRoot);
  }

  async prune(name: string, keep: number): Promise<void> {
    const live = await this.liveVersion(name);
    const all = await this.versions(name);
    const old = all.slice(0, Math.max(0, all.length - Math.max(1, keep)));
    for (const v of old) {
      if (v === live) continue;
      await rm(join(this.versionsDir(name), String(v).padStart(4, '0')), { recursive: true, force: true });
    }
  }

  async savePending(
    name: string,
    keyPem: string,
    csrPem: string,
  ): Promise<{ keyFile: string; csrFile: string }> {
    Store.checkName(name);
    const dir = this.pendingDir(name);
    await ensureDir(dir);
    const keyFile = join(dir, 'privkey.pem');
    const csrFile = join(dir, 'csr.pem');
    await writeFileAtomic(keyFile, keyPem, 0o600);
    await writeFileAtomic(csrFile, csrPem, 0o644);
    return { keyFile, csrFile };
  }

  async clearPending(name: string): Promise<void> {
    await rm(this.pendingDir(name), { recursive: true, force: true });
  }

  async remove(name: string): Promise<void> {
    await rm(this.liveDir(name), { force: true });
    await rm(this.lineageDir(name), { recursive: true, force: true });
  }

  async requireLineage(name: string): Promise<LineageSettings> {
    const s = await this.readSettings(name);
    if (!s) throw await this.lineageNotFound(name);
    return s;
  }

  /**
   * "No such lineage", naming the lineage meant when only case or a trailing dot differ: lineage names are the
   * lowercased first name, and `--name WWW.Example.com` said only "no lineage named" (QA round 4).
   */
  async lineageNotFound(name: string): Promise<CertkitError> {
    const wanted = name.toLowerCase().replace(/\.$/, '');
    const near = (await this.names().catch(() => [] as string[])).find((n) => n !== name && n === wanted);
    return new CertkitError(
      'not-found',
      `no lineage named "${name}" in ${this.root}`,
      near ? `did you mean "${near}"? see \`certkit list\`` : 'see `certkit list`',
    );
  }

  async isDirectory(path: string): Promise<boolean> {
    return (await stat(path).catch(() => null))?.isDirectory() ?? false;
  }
}
