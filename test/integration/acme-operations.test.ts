/**
 * Issue 14 item 10 for request/renew/revoke/account, each against a real Pebble; each failed on the old code:
 * a failed deploy was never retried, a second request re-issued every time, --manual said nothing, revoke acted
 * without asking, hooks saw CERTKIT_PASSWORD, --webroot /nonexist was created.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkit, certkitAsync, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

let pebble: Pebble;
beforeAll(async () => (pebble = await startPebble()));
afterAll(async () => pebble?.stop());

const ck = (store: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  certkitAsync(['--store', store, ...args], { env: { ...pebble.env, ...env } });
const versions = (store: string, name: string) =>
  readdirSync(join(store, 'lineages', name, 'versions')).filter((e) => /^\d+$/.test(e));

describe('deploys, duplicates and confirmations', () => {
  it('a failed deploy is retried by the next renew until it succeeds, and list shows it meanwhile', async () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    const flag = join(dir, 'server-ready');
    const log = join(dir, 'deploys');
    const hook = `test -f ${flag} && echo "v$CERTKIT_VERSION" >> ${log}`;
    const first = await ck(store, [
      'request',
      'retry.test',
      ...standaloneArgs(pebble),
      '--deploy-hook',
      hook,
    ]);
    expect(first.code).toBe(7);
    expect(first.stderr).toMatch(/the deploy hook failed/);
    const list = await ck(store, ['list']);
    expect(list.stdout).toMatch(/deploy of v1 pending/);
    expect(JSON.parse((await ck(store, ['--json', 'list'])).stdout).lineages[0].deployPending).toMatchObject({
      version: 1,
    });
    const again = await ck(store, ['renew', '--no-jitter']); // not due: only the deploy is retried
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/retry\.test.*deploy hook failed/);
    writeFileSync(flag, '');
    const fixed = await ck(store, ['renew', '--no-jitter', '--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout).lineages[0]).toMatchObject({ status: 'deployed', version: 1 });
    expect(readFileSync(log, 'utf8')).toBe('v1\n');
    const text = await ck(store, ['renew', '--no-jitter']);
    expect(text.stdout).not.toMatch(/deployed/); // done: nothing pending any more
    expect((await ck(store, ['list'])).stdout).not.toMatch(/pending/);
    expect(versions(store, 'retry.test')).toHaveLength(1);
  });

  it('request for a name with a valid, not-due certificate says so and exits 0; --force orders anew', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'dup.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const again = await ck(store, ['request', 'dup.test', ...standaloneArgs(pebble)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /already has a valid certificate for dup\.test .*nothing requested \(--force/,
    );
    expect(versions(store, 'dup.test')).toHaveLength(1);
    expect((await ck(store, ['request', 'dup.test', ...standaloneArgs(pebble), '--force'])).code).toBe(0);
    expect(versions(store, 'dup.test')).toHaveLength(2);
  });

  it('--manual warns that the lineage cannot renew unattended, and list shows it', async () => {
    const store = join(tempDir(), 'store');
    const r = await ck(store, [
      'request',
      'man.test',
      '--server',
      pebble.directoryUrl,
      '--manual',
      '--agree-tos',
    ]);
    expect(r.stderr).toMatch(/a --manual lineage cannot renew unattended/);
    // a lineage made at a terminal with --manual (the settings it records)
    expect((await ck(store, ['request', 'man2.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const file = join(store, 'lineages/man2.test/settings.json');
    const s = JSON.parse(readFileSync(file, 'utf8'));
    s.acme.challenge = { type: 'manual' };
    writeFileSync(file, JSON.stringify(s));
    expect((await ck(store, ['list'])).stdout).toMatch(/man2\.test .*manual: no unattended renewal/);
  });

  it('revoke and account deactivate refuse without --yes when not on a terminal; nothing is revoked', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'rev.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const rev = await ck(store, ['revoke', '--name', 'rev.test']);
    expect(rev.code).toBe(2);
    expect(rev.stderr.trim()).toMatch(
      /refused without --yes when not on a terminal \(add --yes in scripts\)$/,
    );
    const deact = await ck(store, ['account', 'deactivate', '--server', pebble.directoryUrl]);
    expect(deact.code).toBe(2);
    const show = JSON.parse(
      (await ck(store, ['--json', 'account', 'show', '--server', pebble.directoryUrl])).stdout,
    );
    expect(show.account.status).toBe('valid');
    expect((await ck(store, ['revoke', '--name', 'rev.test', '--yes'])).code).toBe(0);
  });

  it('a --reuse-key lineage whose certificate was revoked renews with a new key, and says so', async () => {
    const store = join(tempDir(), 'store');
    const keyOf = () => readFileSync(join(store, 'live', 'reuse.test', 'privkey.pem'), 'utf8');
    expect((await ck(store, ['request', 'reuse.test', ...standaloneArgs(pebble), '--reuse-key'])).code).toBe(
      0,
    );
    const first = keyOf();
    expect((await ck(store, ['renew', '--name', 'reuse.test', '--force', '--no-jitter'])).code).toBe(0);
    expect(keyOf()).toBe(first); // --reuse-key is honoured
    const revoke = await ck(store, ['revoke', '--name', 'reuse.test', '--reason', 'keyCompromise', '--yes']);
    expect(revoke.code, revoke.stderr).toBe(0);
    const renew = await ck(store, ['renew', '--name', 'reuse.test', '--force', '--no-jitter']);
    expect(renew.code, renew.stderr).toBe(0);
    expect(keyOf()).not.toBe(first);
    expect(renew.stdout + renew.stderr).toMatch(
      /a new key: the key of the revoked certificate \(keyCompromise\) is not reused/,
    );
  });

  it('account dry runs refuse what the real run would: no account to roll over or deactivate (3), no --agree-tos or a missing EAB key (2)', async () => {
    const store = join(tempDir(), 'store');
    const server = ['--server', pebble.directoryUrl, '--dry-run'];
    for (const action of ['rollover', 'deactivate']) {
      const r = await ck(store, ['account', action, ...server, '--yes']);
      expect([r.code, r.stderr.trim()]).toEqual([
        3,
        expect.stringMatching(/^certkit: no ACME account for .* in the store/),
      ]);
    }
    const noTerms = await ck(store, ['account', 'register', ...server]);
    expect([noTerms.code, noTerms.stderr]).toEqual([
      2,
      expect.stringMatching(/terms of service must be accepted/),
    ]);
    const noKey = await ck(store, ['account', 'register', ...server, '--agree-tos', '--eab-kid', 'k']);
    expect([noKey.code, noKey.stderr]).toEqual([
      2,
      expect.stringMatching(/external account binding needs the HMAC key/),
    ]);
    const ok = await ck(store, ['account', 'register', ...server, '--agree-tos']);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(/^would register the account at /)]);
  });

  it('account register on a store that has an account keeps it (same key, exit 0, says so) instead of replacing its key', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'keep.acct.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const accounts = join(store, 'accounts');
    const keyFile = (): string => {
      const found: string[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true }))
          if (e.isDirectory()) walk(join(d, e.name));
          else if (e.name === 'account.key') found.push(join(d, e.name));
      };
      walk(accounts);
      expect(found).toHaveLength(1);
      return readFileSync(found[0] ?? '', 'utf8');
    };
    const before = keyFile();
    for (const extra of [['--dry-run'], []]) {
      const r = await ck(store, ['account', 'register', '--server', pebble.directoryUrl, ...extra]);
      expect([r.code, r.stdout], r.stderr).toEqual([0, expect.stringMatching(/^already registered: https:/)]);
    }
    const j = await ck(store, ['--json', 'account', 'register', '--server', pebble.directoryUrl]);
    expect(JSON.parse(j.stdout)).toMatchObject({ schemaVersion: 1, alreadyRegistered: true });
    expect(keyFile()).toBe(before);
  });

  it('--json of account show and revoke --dry-run carries schemaVersion (QA run: it was missing)', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'json.rev.test', ...standaloneArgs(pebble)])).code).toBe(0);
    for (const args of [
      ['account', 'show', '--server', pebble.directoryUrl],
      ['account', 'register', '--server', pebble.directoryUrl, '--dry-run'],
      ['revoke', '--name', 'json.rev.test', '--dry-run'],
    ]) {
      const r = await ck(store, ['--json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).schemaVersion, args.join(' ')).toBe(1);
    }
  });

  it('hooks do not inherit CERTKIT_PASSWORD / CERTKIT_PASSPHRASE', async () => {
    const dir = tempDir();
    const out = join(dir, 'env');
    const r = await ck(
      join(dir, 'store'),
      ['request', 'env.test', ...standaloneArgs(pebble), '--deploy-hook', `env > ${out}`],
      { CERTKIT_PASSWORD: 'smtp-secret', CERTKIT_PASSPHRASE: 'key-secret' },
    );
    expect(r.code, r.stderr).toBe(0);
    const env = readFileSync(out, 'utf8');
    expect(env).toContain('CERTKIT_LINEAGE=env.test');
    expect(env).not.toMatch(/smtp-secret|key-secret|CERTKIT_PASSWORD|CERTKIT_PASSPHRASE/);
  });

  it('--webroot that does not exist is refused and not created', async () => {
    const dir = tempDir();
    const webroot = join(dir, 'no', 'such', 'root');
    const r = await ck(join(dir, 'store'), [
      'request',
      'wr.test',
      '--server',
      pebble.directoryUrl,
      '--webroot',
      webroot,
      '--agree-tos',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/--webroot .* is not an existing directory/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});

describe('the names of an existing lineage (QA run: a request silently dropped example.test)', () => {
  const sans = (store: string, name: string) =>
    new X509Certificate(readFileSync(join(store, 'live', name, 'cert.pem'))).subjectAltName;

  it('adding names is said in one line; leaving names out is refused before anything is ordered', async () => {
    const store = join(tempDir(), 'store');
    const first = await ck(store, ['request', 'www.names.test', 'names.test', ...standaloneArgs(pebble)]);
    expect(first.code, first.stderr).toBe(0);

    const dropped = await ck(store, [
      'request',
      'www.names.test',
      'new.names.test',
      ...standaloneArgs(pebble),
    ]);
    expect(dropped.code).toBe(2);
    expect(dropped.stdout).toBe('');
    expect(dropped.stderr.trim().split('\n')).toEqual([
      'certkit: "www.names.test" also covers names.test, which this request leaves out: its next certificate would drop it; nothing was ordered (add names.test to the names, give --name OTHER for a separate lineage, or --replace-names to drop it)',
    ]);
    // also when the lineage is not due and --force would order anew, and under --dry-run
    for (const extra of [['--force'], ['--dry-run']]) {
      const r = await ck(store, ['request', 'www.names.test', ...standaloneArgs(pebble), ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/also covers names\.test, which this request leaves out/);
    }
    expect(versions(store, 'www.names.test')).toEqual(['0001']);

    const expanded = await ck(store, [
      'request',
      'www.names.test',
      'names.test',
      'new.names.test',
      ...standaloneArgs(pebble),
    ]);
    expect(expanded.code, expanded.stderr).toBe(0);
    expect(expanded.stdout.split('\n').filter((l) => /adding/.test(l))).toEqual([
      '"www.names.test" covers www.names.test, names.test: adding new.names.test',
    ]);
    expect(versions(store, 'www.names.test')).toEqual(['0001', '0002']);
    expect(sans(store, 'www.names.test')).toContain('DNS:names.test');
    expect(sans(store, 'www.names.test')).toContain('DNS:new.names.test');

    // renewals reuse the recorded names
    const renew = await ck(store, ['renew', '--force', '--no-jitter', '--name', 'www.names.test']);
    expect(renew.code, renew.stderr).toBe(0);
    expect(versions(store, 'www.names.test')).toEqual(['0001', '0002', '0003']);
    expect(sans(store, 'www.names.test')).toContain('DNS:names.test');
    expect(sans(store, 'www.names.test')).toContain('DNS:new.names.test');

    // a separate lineage leaves this one as it is; --replace-names drops the names, not due or not
    const other = await ck(store, [
      'request',
      'www.names.test',
      ...standaloneArgs(pebble),
      '--name',
      'www-only',
    ]);
    expect(other.code, other.stderr).toBe(0);
    const replaced = await ck(store, [
      'request',
      'www.names.test',
      ...standaloneArgs(pebble),
      '--replace-names',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(
      /^"www\.names\.test" covers www\.names\.test, names\.test, new\.names\.test: dropping names\.test, new\.names\.test \(--replace-names\)$/m,
    );
    expect(sans(store, 'www.names.test')).toBe('DNS:www.names.test');
    const settings = JSON.parse(readFileSync(join(store, 'lineages/www.names.test/settings.json'), 'utf8'));
    expect(settings.domains).toEqual(['www.names.test']);
  });

  it('a name csr refuses is refused by request too, before any network call (QA: foo_bar went to the CA, exit 5)', async () => {
    const store = join(tempDir(), 'store');
    for (const [name, said] of [
      [
        'foo_bar.example.test',
        /^certkit: "foo_bar\.example\.test": label "foo_bar" is not a valid host name label/,
      ],
      [
        'xn--zz.example.test',
        /^certkit: "xn--zz\.example\.test": label "xn--zz" starts with xn-- but is not valid punycode/,
      ],
      ['www.*.example.test', /wildcard may only be the whole leftmost label/],
    ] as const) {
      // an unreachable CA: any network call would exit 6
      const r = await ck(store, [
        'request',
        'ok.example.test',
        name,
        ...standaloneArgs(pebble, 'https://127.0.0.1:1/dir'),
      ]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr).toMatch(said);
    }
    expect(existsSync(join(store, 'lineages'))).toBe(false);
  });

  it('certkit help revoke says what it does, with examples and the exit codes (QA run: it had none)', () => {
    const r = certkit(['help', 'revoke']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Ask the CA to revoke the live certificate of an ACME lineage/m);
    expect(r.stdout).toMatch(/Examples:\n {2}certkit revoke --name /);
    expect(r.stdout).toMatch(/^Exit: 0 revoked .*; 2 refused .*\n3 no such lineage, .*; 5 the CA refused/m);
  });
});

describe('EAB HMAC key from the environment', () => {
  const KID = 'kid-env';
  const KEY = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';
  let eabPebble: Pebble;
  beforeAll(async () => (eabPebble = await startPebble({ eab: { [KID]: KEY } })));
  afterAll(async () => eabPebble?.stop());

  it('CERTKIT_EAB_HMAC_KEY with --eab-kid registers and issues; the key is in no file of the store', async () => {
    const store = join(tempDir(), 'store');
    const r = await certkitAsync(
      ['--store', store, 'request', 'eab-env.test', ...standaloneArgs(eabPebble), '--eab-kid', KID],
      { env: { ...eabPebble.env, CERTKIT_EAB_HMAC_KEY: KEY } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(store, 'lineages/eab-env.test/settings.json'), 'utf8')).not.toContain(KEY);
  });
});

describe('import into a lineage that renews over ACME', () => {
  it('keeps its renewal settings (an import never silently ends renewals); renew --force still renews it', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'keep.acme.test', ...standaloneArgs(pebble)])).code).toBe(0);
    const live = join(store, 'live', 'keep.acme.test');
    const imp = await ck(store, [
      'import',
      '--cert',
      join(live, 'fullchain.pem'),
      '--key',
      join(live, 'privkey.pem'),
      '--name',
      'keep.acme.test',
      '--offline',
    ]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(/keeps renewing over ACME/);
    const settings = JSON.parse(
      readFileSync(join(store, 'lineages', 'keep.acme.test', 'settings.json'), 'utf8'),
    ) as { source: string; acme?: unknown };
    expect(settings.source).toBe('acme');
    expect(settings.acme).toBeDefined();
    const renew = await ck(store, ['renew', '--force', '--no-jitter', '--name', 'keep.acme.test']);
    expect(renew.code, renew.stderr).toBe(0);
  });
});
