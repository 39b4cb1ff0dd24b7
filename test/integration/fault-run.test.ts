/**
 * The fault run of issue 14 ("Must show"): concurrent import/renew on one lineage, SIGKILLs at random moments of
 * a first `request` and of `renew`, a full disk (tmpfs), a read-only store. Afterwards every live/<name> is a
 * complete matching pair WITH its renewal settings, the next `renew` renews it, and every error was one line.
 * Before, a kill between "version live" and "settings written" left a live certificate nobody renewed (2 of
 * 29 kills), and a full disk at the settings write said "internal error" (exit 70).
 *
 * Kills: CERTKIT_FAULT_KILLS in all (default 50: 25 during first requests, 25 during renewals); set it to 100
 * for 50 of each (about twice the time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, certkitAsync, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

const KILLS = Math.max(2, Math.round(Number(process.env.CERTKIT_FAULT_KILLS ?? 50) / 2)); // per phase
let pebble: Pebble;
const mounts: string[] = [];

beforeAll(async () => (pebble = await startPebble()));
afterAll(async () => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  await pebble?.stop();
});

const ck = (store: string, args: string[]): Promise<CliResult> =>
  certkitAsync(['--store', store, ...args], { env: pebble.env, timeoutMs: 120_000 });

/** Every error a run printed is one line "certkit: ...". */
function oneLineErrors(r: CliResult, what: string) {
  const lines = r.stderr.split('\n').filter((l) => l && !/^(certkit: )?note: /.test(l));
  for (const l of lines) expect(l, `${what}: ${r.stderr}`).toMatch(/^certkit: /);
  if (r.code !== 0) expect(lines.length, `${what}: ${r.stderr}`).toBeGreaterThan(0);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at /);
}

/** live/<name> is a complete pair whose key matches, and settings.json can renew it. */
function expectComplete(store: string, name: string) {
  const live = join(store, 'live', name);
  const cert = new X509Certificate(readFileSync(join(live, 'cert.pem')));
  const key = createPrivateKey(readFileSync(join(live, 'privkey.pem')));
  expect(cert.checkPrivateKey(key), name).toBe(true);
  expect(
    readFileSync(join(live, 'fullchain.pem'), 'utf8').startsWith(
      readFileSync(join(live, 'cert.pem'), 'utf8'),
    ),
  ).toBe(true);
  const settings = JSON.parse(readFileSync(join(store, 'lineages', name, 'settings.json'), 'utf8'));
  expect(settings.source, name).toBe('acme');
  expect(settings.acme.challenge.type, name).toBe('standalone');
}

function liveNames(store: string): string[] {
  return existsSync(join(store, 'live'))
    ? readdirSync(join(store, 'live')).filter((e) => !e.startsWith('.'))
    : [];
}

/** Starts certkit and SIGKILLs it after a random moment within maxMs; resolves when it is gone. */
async function killAtRandom(store: string, args: string[], maxMs: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, '--store', store, ...args], {
    env: { ...process.env, ...pebble.env, NO_COLOR: '1' },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, Math.random() * maxMs));
  child.kill('SIGKILL');
  await exited;
}

const versionsOf = (store: string, name: string) =>
  readdirSync(join(store, 'lineages', name, 'versions'))
    .filter((e) => /^\d+$/.test(e))
    .map(Number);

describe('fault run', () => {
  it('10 concurrent import / renew --force on one lineage: every run ends cleanly (0 or 4), live stays whole', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'busy.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const copy = tempDir();
    cpSync(join(store, 'live', 'busy.test', 'fullchain.pem'), join(copy, 'cert.pem'));
    cpSync(join(store, 'live', 'busy.test', 'privkey.pem'), join(copy, 'key.pem'));
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? ck(store, ['renew', '--force', '--no-jitter', '--name', 'busy.test'])
          : ck(store, [
              'import',
              '--cert',
              join(copy, 'cert.pem'),
              '--key',
              join(copy, 'key.pem'),
              '--name',
              'busy.test',
              '--offline',
            ]),
      ),
    );
    runs.forEach((r, i) => {
      expect([0, 4], `run ${i}: ${r.stderr}`).toContain(r.code);
      oneLineErrors(r, `run ${i}`);
    });
    expect(runs.filter((r) => r.code === 0).length).toBeGreaterThan(0);
    expectComplete(store, 'busy.test');
  }, 120_000);

  it(`${KILLS} SIGKILLs during first requests and ${KILLS} during renewals: every live name is whole, with settings, and the next renew renews it`, async () => {
    const store = join(tempDir(), 'store');
    // the kill window is 1.2x what one whole run takes on this machine now, so kills land in every phase
    const t0 = Date.now();
    expect((await ck(store, ['request', 'steady.kill.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const window = 1.2 * (Date.now() - t0);
    for (let i = 0; i < KILLS; i++)
      await killAtRandom(store, ['request', `k${i}.kill.test`, ...standaloneArgs(pebble)], window);
    for (let i = 0; i < KILLS; i++)
      await killAtRandom(store, ['renew', '--force', '--no-jitter', '--name', 'steady.kill.test'], window);

    const live = liveNames(store);
    // some first requests completed before their kill, some were killed earlier: both kinds are covered
    expect(live.length, 'some killed requests had gone live').toBeGreaterThan(1);
    expect(live.length, 'some requests were killed before going live').toBeLessThan(KILLS + 1);
    for (const n of live) expectComplete(store, n);
    // the next (unforced) renew completes every lineage that has settings: those killed before their version
    // went live are due ("no live version yet"); nothing is left broken
    const before = Object.fromEntries(live.map((n) => [n, Math.max(...versionsOf(store, n))]));
    const next = await ck(store, ['renew', '--no-jitter', '--concurrency', '8', '--json']);
    oneLineErrors(next, 'renew');
    expect(next.code, next.stderr).toBe(0);
    const outcomes = JSON.parse(next.stdout).lineages as { name: string; status: string }[];
    for (const o of outcomes) expect(['renewed', 'not-due']).toContain(o.status);
    const afterLive = liveNames(store);
    for (const n of afterLive) expectComplete(store, n);
    // every lineage with settings now has a live certificate
    for (const o of outcomes) expect(afterLive).toContain(o.name);
    // and each live one renews when forced
    const forced = await ck(store, ['renew', '--force', '--no-jitter', '--concurrency', '8', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    for (const n of live) expect(Math.max(...versionsOf(store, n))).toBeGreaterThan(before[n]!);
    const list = await ck(store, ['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toMatch(/BROKEN/);
  }, 300_000);

  it('a full disk (tmpfs): one line, exit 8, live untouched; after freeing space the next renew works', async () => {
    const mnt = tempDir();
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    expect(m.status, `mounting a tmpfs needs root: ${m.stderr}`).toBe(0);
    mounts.push(mnt);
    const store = join(mnt, 'store');
    expect((await ck(store, ['request', 'full.test', ...standaloneArgs(pebble)])).code).toBe(0);
    // fill it
    const filler = join(mnt, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']);
    const renew = await ck(store, ['renew', '--force', '--no-jitter']);
    expect(renew.code, renew.stderr).toBe(8);
    oneLineErrors(renew, 'full renew');
    expect(renew.stderr.trim().split('\n')).toHaveLength(1);
    expect(renew.stderr).toMatch(/no space left on the device \(ENOSPC\)/);
    const fresh = await ck(store, ['request', 'new.full.test', ...standaloneArgs(pebble)]);
    expect(fresh.code, fresh.stderr).toBe(8);
    expect(fresh.stderr.trim().split('\n')).toHaveLength(1);
    expectComplete(store, 'full.test');
    spawnSync('rm', ['-f', filler]);
    const after = await ck(store, ['renew', '--force', '--no-jitter']);
    expect(after.code, after.stderr).toBe(0);
    expectComplete(store, 'full.test');
    expect(liveNames(store)).toEqual(['full.test']);
  }, 60_000);

  it('a read-only store: renew and request are one line, exit 8; list still works', async () => {
    const mnt = tempDir();
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]).status).toBe(0);
    mounts.push(mnt);
    const store = join(mnt, 'store');
    expect((await ck(store, ['request', 'ro.test', ...standaloneArgs(pebble)])).code).toBe(0);
    expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
    for (const args of [
      ['renew', '--force', '--no-jitter'],
      ['request', 'other.ro.test', ...standaloneArgs(pebble)],
    ]) {
      const r = await ck(store, args);
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/read-only file system \(EROFS\)/);
    }
    const list = await ck(store, ['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ro\.test/);
    expectComplete(store, 'ro.test');
  }, 60_000);
});
