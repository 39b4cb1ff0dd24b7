/** The deploy engine: plans over a snapshot, applied exactly and reversed exactly (bytes, modes, owners, dirs). */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyPlan,
  isNoop,
  keyPlaceholder,
  renderDiff,
  type Effect,
  type Plan,
} from '../../src/deploy/engine.js';
import { discoverPaths, liveView, type Snapshot } from '../../src/deploy/snapshot.js';
import { snapshotWithModes } from '../helpers/fs.js';
import { tempDir } from '../helpers/openssl.js';

const ADM = 4; // Debian's "adm" group: a group that is not root's
const TTY = 5;

function planOver(paths: string[], effects: Effect[]): Plan {
  const snapshot: Snapshot = new Map();
  discoverPaths(liveView(snapshot), paths);
  return { target: 'test', snapshot, effects, notes: [] };
}

/** A tree with a 0640 root:adm config, a 0600 key, a symlink, and a directory for new things. */
function tree() {
  const dir = tempDir();
  const conf = join(dir, 'site.conf');
  writeFileSync(conf, 'ServerName a.test\n');
  chmodSync(conf, 0o640);
  chownSync(conf, 0, ADM);
  const other = join(dir, 'other.conf');
  writeFileSync(other, 'x\n');
  chmodSync(other, 0o644);
  symlinkSync('site.conf', join(dir, 'enabled.conf'));
  return { dir, conf, other };
}

const steps = (fail?: string) => ({
  reload: async () => {
    if (fail === 'reload') throw new Error('reload failed');
  },
  verify: async () => {
    if (fail === 'verify') throw new Error('verify failed');
  },
  recover: async () => {},
});

function everyEffect(t: ReturnType<typeof tree>): { paths: string[]; effects: Effect[] } {
  const newDir = join(t.dir, 'certkit');
  const nested = join(newDir, 'deeper');
  return {
    paths: [t.conf, t.other, join(nested, 'new.conf'), join(t.dir, 'link.conf'), join(t.dir, 'enabled.conf')],
    effects: [
      {
        kind: 'write',
        path: t.conf,
        content: 'ServerName a.test\nSSLEngine on\n',
        mode: 0o640,
        uid: 0,
        gid: ADM,
      },
      { kind: 'mkdir', path: newDir, mode: 0o755 },
      { kind: 'mkdir', path: nested, mode: 0o750, gid: TTY },
      { kind: 'write', path: join(nested, 'new.conf'), content: 'new\n', mode: 0o644 },
      { kind: 'mode', path: t.other, mode: 0o600 },
      { kind: 'owner', path: t.other, uid: 0, gid: TTY },
      { kind: 'link', path: join(t.dir, 'link.conf'), target: 'other.conf' },
      { kind: 'link', path: join(t.dir, 'enabled.conf'), target: 'other.conf' },
      { kind: 'touch', path: t.conf, mtimeMs: Date.parse('2030-01-01T00:00:00Z') },
      { kind: 'reload', what: 'graceful' },
      { kind: 'verify', host: '127.0.0.1', port: 1, name: 'a.test', fingerprint: 'AA' },
    ],
  };
}

describe('deploy engine', () => {
  it('applies every effect: an edited file keeps 0640 root:adm, new directories and files get their modes', async () => {
    const t = tree();
    const { paths, effects } = everyEffect(t);
    const plan = planOver(paths, effects);
    const r = await applyPlan(plan, steps(), null);
    expect(r.changed).toContain(t.conf);
    const st = statSync(t.conf);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o640, 0, ADM]);
    expect(readFileSync(t.conf, 'utf8')).toMatch(/SSLEngine on/);
    const nested = statSync(join(t.dir, 'certkit', 'deeper'));
    expect([nested.mode & 0o7777, nested.gid]).toEqual([0o750, TTY]);
    expect(statSync(join(t.dir, 'certkit', 'deeper', 'new.conf')).mode & 0o7777).toBe(0o644);
    expect([statSync(t.other).mode & 0o7777, statSync(t.other).gid]).toEqual([0o600, TTY]);
    expect(statSync(t.conf).mtimeMs).toBe(Date.parse('2030-01-01T00:00:00Z'));
  });

  for (const failAt of ['reload', 'verify']) {
    it(`a ${failAt} failure reverses exactly the list: bytes, modes, owners, links, mtimes; no directory left`, async () => {
      const t = tree();
      const before = snapshotWithModes(t.dir);
      const mtime = statSync(t.conf).mtimeMs;
      const { paths, effects } = everyEffect(t);
      await expect(applyPlan(planOver(paths, effects), steps(failAt), null)).rejects.toThrow(
        new RegExp(`${failAt} failed; every file was restored`),
      );
      expect(snapshotWithModes(t.dir)).toEqual(before);
      expect(Math.abs(statSync(t.conf).mtimeMs - mtime)).toBeLessThan(0.01);
    });
  }

  it('a config test failure reverses too', async () => {
    const t = tree();
    const before = snapshotWithModes(t.dir);
    const { paths, effects } = everyEffect(t);
    const s = { ...steps(), test: async () => Promise.reject(new Error('AH00526: Syntax error on line 2')) };
    await expect(applyPlan(planOver(paths, effects), s, null)).rejects.toThrow(/AH00526.*restored/);
    expect(snapshotWithModes(t.dir)).toEqual(before);
  });

  it('refuses when a file changed after discovery (content, or only its mode), writing nothing', async () => {
    for (const change of ['content', 'mode'] as const) {
      const t = tree();
      const plan = planOver([t.conf], [{ kind: 'write', path: t.conf, content: 'new\n', mode: 0o640 }]);
      if (change === 'content') writeFileSync(t.conf, 'edited by someone\n');
      else chmodSync(t.conf, 0o600);
      const before = snapshotWithModes(t.dir);
      await expect(applyPlan(plan, steps(), null)).rejects.toThrow(/changed since the plan was made/);
      expect(snapshotWithModes(t.dir)).toEqual(before);
    }
  });

  it('backs up every touched file with its mode and owner', async () => {
    const t = tree();
    const backups = tempDir();
    const plan = planOver(
      [t.conf],
      [{ kind: 'write', path: t.conf, content: 'new\n', mode: 0o640, uid: 0, gid: ADM }],
    );
    const r = await applyPlan(plan, steps(), backups);
    const manifest = JSON.parse(readFileSync(join(r.backupDir!, 'manifest.json'), 'utf8'));
    expect(manifest[0]).toMatchObject({ path: t.conf, mode: '0640', uid: 0, gid: ADM });
    expect(readFileSync(join(r.backupDir!, manifest[0].copy), 'utf8')).toBe('ServerName a.test\n');
  });

  it('a plan that changes nothing is a no-op (touches alone do not count)', () => {
    const t = tree();
    const plan = planOver(
      [t.conf],
      [
        { kind: 'write', path: t.conf, content: 'ServerName a.test\n', mode: 0o640, uid: 0, gid: ADM },
        { kind: 'touch', path: t.conf, mtimeMs: 0 },
        { kind: 'reload', what: 'graceful' },
      ],
    );
    expect(isNoop(plan)).toBe(true);
    expect(renderDiff(plan)).toBe('');
  });

  it('the dry-run diff shows mode and owner changes, new directories, and never key material', () => {
    const t = tree();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = join(t.dir, 'keys', 'pbx.key');
    mkdirSync(join(t.dir, 'keys'));
    const plan = planOver(
      [t.conf, key, join(t.dir, 'new')],
      [
        { kind: 'write', path: t.conf, content: 'ServerName a.test\n', mode: 0o600, uid: 0, gid: TTY },
        { kind: 'write', path: key, content: pem, mode: 0o640, gid: TTY, secret: true },
        { kind: 'mkdir', path: join(t.dir, 'new'), mode: 0o750 },
        { kind: 'reload', what: 'graceful' },
      ],
    );
    const diff = renderDiff(plan);
    expect(diff).toMatch(new RegExp(`mode ${t.conf}: 0640 -> 0600`));
    expect(diff).toMatch(new RegExp(`owner ${t.conf}: root:adm -> root:tty`));
    expect(diff).toMatch(/new file .*pbx\.key \(mode 0640, owner \(runner\):tty\)/);
    expect(diff).toMatch(/new directory .*new \(mode 0750/);
    expect(diff).toMatch(/then reload: graceful/);
    expect(diff).not.toMatch(/PRIVATE KEY/);
    const body = pem.split('\n')[1]!;
    expect(diff).not.toContain(body.slice(0, 20));
    expect(diff).toContain(keyPlaceholder(pem));
  });
});
