/**
 * QA round 4 (the certificate lifecycle as a new user meets it), each against a real Pebble; each failed on the
 * old code.
 */
import { createPrivateKey } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkitAsync, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

let pebble: Pebble;
beforeAll(async () => (pebble = await startPebble()));
afterAll(async () => pebble?.stop());

const ck = (store: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  certkitAsync(['--store', store, ...args], { env: { ...pebble.env, ...env } });
/** certkit request NAME over standalone http-01, with extra flags */
const request = (store: string, name: string, ...flags: string[]) =>
  ck(store, ['request', name, ...flags, ...standaloneArgs(pebble)]);
const settingsOf = (store: string, name: string) =>
  JSON.parse(readFileSync(join(store, 'lineages', name, 'settings.json'), 'utf8')) as {
    keyType: string;
    acme: { keyType: string };
  };
const liveKey = (store: string, name: string) =>
  createPrivateKey(readFileSync(join(store, 'live', name, 'privkey.pem')));

describe('the key type of a lineage', () => {
  it('a re-request without --key-type keeps the lineage key type (it fell back to ecdsa-p256)', async () => {
    const store = join(tempDir(), 'store');
    const first = await request(store, 'kt.test', '--key-type', 'rsa-2048');
    expect(first.code, first.stderr).toBe(0);
    const again = await request(store, 'kt.test', '--force');
    expect(again.code, again.stderr).toBe(0);
    expect(liveKey(store, 'kt.test').asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(settingsOf(store, 'kt.test')).toMatchObject({
      keyType: 'rsa-2048',
      acme: { keyType: 'rsa-2048' },
    });
  });

  it('--reuse-key records the type of the key it kept; asking another type with it is refused', async () => {
    const store = join(tempDir(), 'store');
    expect((await request(store, 'rk.test', '--key-type', 'rsa-2048')).code).toBe(0);
    const reused = await request(store, 'rk.test', '--force', '--reuse-key');
    expect(reused.code, reused.stderr).toBe(0);
    expect(settingsOf(store, 'rk.test').acme.keyType).toBe('rsa-2048');
    const clash = await request(store, 'rk.test', '--force', '--reuse-key', '--key-type', 'ecdsa-p384');
    expect(clash.code).toBe(2);
    expect(clash.stderr.trim().split('\n')).toHaveLength(1);
    expect(clash.stderr).toMatch(/--reuse-key keeps .*rsa-2048.*drop --reuse-key/);
    expect(liveKey(store, 'rk.test').asymmetricKeyType).toBe('rsa');
  });
});

describe('a deactivated account', () => {
  it('request registers a new account; renew fails in one line that says how to register one', async () => {
    const store = join(tempDir(), 'store');
    expect((await request(store, 'da.test')).code).toBe(0);
    const off = await ck(store, ['account', 'deactivate', '--yes', '--server', pebble.directoryUrl]);
    expect(off.code, off.stderr).toBe(0);
    const renew = await ck(store, ['renew', '--force', '--no-jitter']);
    expect(renew.code).toBe(1);
    expect(renew.stderr).toMatch(/da\.test.*deactivated.*certkit account register --server \S+ --agree-tos/);
    expect(renew.stderr.trim().split('\n')).toHaveLength(1);
    const again = await request(store, 'db.test');
    expect(again.code, again.stderr).toBe(0);
    expect((await ck(store, ['renew', '--force', '--no-jitter'])).code).toBe(0);
  });
});

describe('--quiet on success', () => {
  it('account register/rollover/deactivate and revoke print nothing', async () => {
    const store = join(tempDir(), 'store');
    const server = ['--server', pebble.directoryUrl];
    const runs = [
      await ck(store, ['--quiet', 'account', 'register', ...server, '--agree-tos']),
      await ck(store, ['--quiet', 'account', 'rollover', ...server]),
    ];
    expect((await request(store, 'qr.test')).code).toBe(0);
    runs.push(await ck(store, ['--quiet', 'revoke', '--name', 'qr.test', '--yes']));
    runs.push(await ck(store, ['--quiet', 'account', 'deactivate', '--yes', ...server]));
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('a live link replaced by a directory by hand', () => {
  it('list shows it BROKEN naming it; renew fails before ordering, leaving no temp link', async () => {
    const store = join(tempDir(), 'store');
    expect((await request(store, 'ld.test')).code).toBe(0);
    const live = join(store, 'live', 'ld.test');
    cpSync(live, join(store, 'copy'), { recursive: true, dereference: true });
    rmSync(live);
    renameSync(join(store, 'copy'), live);
    const list = await ck(store, ['list']);
    expect(list.code).toBe(1);
    expect(list.stdout).toMatch(/ld\.test.*BROKEN/);
    expect(list.stderr).toMatch(/live\/ld\.test is a directory, not certkit's link.*move it aside/);
    const renew = await ck(store, ['renew', '--force', '--no-jitter']);
    expect(renew.code).toBe(1);
    expect(renew.stderr).toMatch(/ld\.test.*is a directory, not certkit's link/);
    expect(readdirSync(join(store, 'lineages', 'ld.test', 'versions'))).toEqual(['0001']);
    expect(readdirSync(join(store, 'live'))).toEqual(['ld.test']);
  });
});
