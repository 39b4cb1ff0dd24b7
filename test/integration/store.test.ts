import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  rmSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { keyMatchesCertificate } from '../../src/pki/keys.js';
import { BIN, certkit, certkitJson, ROOT } from '../helpers/cli.js';
import { issue, makeRoot, read, tempDir } from '../helpers/openssl.js';

interface Pair {
  certPem: string;
  chainPem: string;
  keyPem: string;
}
let pairs: Pair[];

beforeAll(() => {
  const dir = tempDir();
  const root = makeRoot(dir);
  const int = issue(dir, 'int', root, { cn: 'Int', ca: true });
  pairs = [0, 1, 2].map((i) => {
    const leaf = issue(dir, `leaf${i}`, int, {
      cn: `v${i}.example.test`,
      sans: [`v${i}.example.test`],
      key: i === 1 ? 'rsa2048' : 'ec256',
    });
    return { certPem: read(leaf.certFile), chainPem: read(int.certFile), keyPem: read(leaf.keyFile) };
  });
});

function assertLiveConsistent(store: Store, name: string) {
  const live = store.liveDir(name);
  const cert = readFileSync(join(live, 'cert.pem'), 'utf8');
  const chain = readFileSync(join(live, 'chain.pem'), 'utf8');
  const fullchain = readFileSync(join(live, 'fullchain.pem'), 'utf8');
  const key = readFileSync(join(live, 'privkey.pem'), 'utf8');
  expect(fullchain).toBe(cert + chain);
  expect(keyMatchesCertificate(createPrivateKey(key), new X509Certificate(cert))).toBe(true);
}

describe('store', () => {
  it('writes versions, switches live atomically, keeps names stable, secures keys and prunes', async () => {
    const root = join(tempDir(), 'store');
    const store = new Store(root);
    for (const p of [...pairs, ...pairs]) await store.locked(() => store.addVersion('site', p, { keep: 3 }));
    expect(await store.liveVersion('site')).toBe(6);
    expect(await store.versions('site')).toEqual([4, 5, 6]);
    expect(lstatSync(store.liveDir('site')).isSymbolicLink()).toBe(true);
    assertLiveConsistent(store, 'site');
    expect(statSync(join(store.liveDir('site'), 'privkey.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(statSync(store.versionsDir('site')).mode & 0o777).toBe(0o700);
    expect(statSync(join(store.versionsDir('site'), '0006')).mode & 0o777).toBe(0o700);
  });

  it('refuses a version whose key does not match, leaving live untouched', async () => {
    const store = new Store(join(tempDir(), 'store'));
    await store.locked(() => store.addVersion('site', pairs[0]!));
    const bad = { ...pairs[1]!, keyPem: pairs[0]!.keyPem };
    await expect(store.locked(() => store.addVersion('site', bad))).rejects.toThrow(/does not match/);
    expect(await store.liveVersion('site')).toBe(1);
    expect(await store.versions('site')).toEqual([1]);
  });

  it('serialises two writers through the lock, and a second waiter fails clearly after its wait', async () => {
    const root = join(tempDir(), 'store');
    const a = new Store(root);
    const b = new Store(root, { lockWaitMs: 100 });
    let release!: () => void;
    const held = a.locked(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    await expect(b.locked(async () => 1)).rejects.toThrow(/locked by another certkit run/);
    release();
    await held;
    expect(await b.locked(async () => 2)).toBe(2);
  });

  it('takes over a stale lock left by a dead process', async () => {
    const root = join(tempDir(), 'store');
    const store = new Store(root, { lockWaitMs: 2000 });
    await store.init();
    writeFileSync(join(root, '.lock'), '999999\n');
    expect(await store.locked(async () => 'ok')).toBe('ok');
  });

  it('a stale lock whose pid was reused by a process that is not certkit (after a reboot) is taken over', async () => {
    const root = join(tempDir(), 'store');
    const store = new Store(root, { lockWaitMs: 2000 });
    await store.init();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      // the old format (a bare pid, as `echo 1 > .lock` leaves it): the live holder is not certkit
      writeFileSync(join(root, '.lock'), `${other.pid}\n`);
      expect(await store.locked(async () => 'ok')).toBe('ok');
      // the new format: the pid is alive but its start time is not the recorded one
      writeFileSync(join(root, '.lock'), `${other.pid}\nstart=1\n`);
      expect(await store.locked(async () => 'again')).toBe('again');
    } finally {
      other.kill();
    }
    // the CLI takes over `echo 1 > .lock` (pid 1 is init, never certkit) instead of waiting 30 s and exit 4
    writeFileSync(join(root, '.lock'), '1\n');
    const r = certkit(['--store', root, 'selfsigned', '-d', 'a.example.com'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a lock held by a live certkit run records its start time and still blocks a second writer', async () => {
    const root = join(tempDir(), 'store');
    const a = new Store(root);
    const b = new Store(root, { lockWaitMs: 200 });
    let release!: () => void;
    const held = a.locked(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(join(root, '.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}\\nstart=\\d+\\n$`));
    await expect(b.locked(async () => 1)).rejects.toThrow(/locked by another certkit run \(pid \d+, held/);
    release();
    await held;
  });

  it('a store path that does not exist or is a file: list and check store say so instead of "no lineages"', () => {
    const dir = tempDir();
    const missing = join(dir, 'no-such-store');
    const file = join(dir, 'some-file.pem');
    writeFileSync(file, 'not a store\n');
    let r = certkit(['--store', missing, 'list']);
    expect([r.code, r.stderr.trim()]).toEqual([
      3,
      expect.stringMatching(/^certkit: the store .*no-such-store does not exist \(/),
    ]);
    expect(existsSync(missing)).toBe(false);
    r = certkit(['--store', file, 'list']);
    expect([r.code, r.stderr.trim()]).toEqual([
      2,
      expect.stringMatching(/^certkit: the store .*some-file\.pem is not a directory \(/),
    ]);
    expect(readFileSync(file, 'utf8')).toBe('not a store\n');
    r = certkit(['--store', missing, 'check', 'store']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/no-such-store does not exist/);
    r = certkit(['--store', file, 'check', 'store']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/some-file\.pem is not a directory/);
    // reported as the store target it is, not as a file
    const json = JSON.parse(certkit(['--store', file, '--json', 'check', 'store']).stdout);
    expect(json.targets.map((t: { kind: string }) => t.kind)).toEqual(['store']);
    // the commands that write say it too (QA: exit 70 'internal error: EEXIST ... mkdir'), and leave the file be
    for (const cmd of [
      ['selfsigned', '-d', 'a.example.test'],
      ['csr', '-d', 'a.example.com', '--out-dir', dir],
    ]) {
      r = certkit(['--store', file, ...cmd]);
      expect([r.code, r.stderr.trim()]).toEqual([
        2,
        expect.stringMatching(/^certkit: the store .*some-file\.pem is not a directory \(/),
      ]);
    }
    expect(readFileSync(file, 'utf8')).toBe('not a store\n');
    // an existing, empty directory is a new store: fine
    r = certkit(['--store', dir, 'list']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a store the user cannot write: csr, selfsigned and import exit 8 in one line naming it, and csr writes nothing first', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const root = join(dir, 'store');
    expect(certkit(['--store', root, 'selfsigned', '-d', 'a.example.com']).code).toBe(0);
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    copyFileSync(join(root, 'live', 'a.example.com', 'cert.pem'), certFile);
    copyFileSync(join(root, 'live', 'a.example.com', 'privkey.pem'), keyFile);
    chmodSync(keyFile, 0o644); // readable by the unprivileged user below: only the store is not writable
    const out = join(dir, 'out');
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    const before = readdirSync(root, { recursive: true }).sort();
    const asNobody = (args: string[]) =>
      spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '--store', root, ...args],
        { env: { ...process.env, NO_COLOR: '1' }, cwd: ROOT },
      );
    for (const args of [
      ['csr', '-d', 'b.example.com', '--out-dir', out],
      ['selfsigned', '-d', 'c.example.com'],
      ['import', '--cert', certFile, '--key', keyFile, '--name', 'imported.example.com'],
    ]) {
      const r = asNobody(args);
      const stderr = r.stderr.toString().trim();
      expect(r.status, `${args[0]}: ${stderr}`).toBe(8);
      expect(stderr.split('\n'), args[0]).toHaveLength(1);
      expect(stderr).toMatch(new RegExp(`^certkit: .*${root.replace(/\./g, '\\.')}.*permission denied`));
    }
    expect(readdirSync(out)).toEqual([]); // no key and CSR without a pending order that records them
    expect(readdirSync(root, { recursive: true }).sort()).toEqual(before);
  });

  it('QA: a broken or missing settings.json never stops renewal silently: renew (--dry-run, --name) exit 1 naming it, list BROKEN', () => {
    const root = join(tempDir(), 'store');
    expect(certkit(['--store', root, 'selfsigned', '-d', 'a.qa.test']).code).toBe(0);
    const file = join(root, 'lineages', 'a.qa.test', 'settings.json');
    for (const [breakIt, problem] of [
      [() => writeFileSync(file, '{broken\n'), `${file}:1: not valid JSON`],
      [() => rmSync(file), `${file} is missing`],
    ] as const) {
      breakIt();
      for (const args of [
        ['renew', '--no-jitter', '--force', '--dry-run'],
        ['renew', '--name', 'a.qa.test', '--force', '--dry-run'],
      ]) {
        const r = certkit(['--store', root, ...args]);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(`lineage "a.qa.test" is broken: ${problem}`);
        expect(r.stderr).not.toMatch(/no lineage named/);
      }
      const list = certkit(['--store', root, 'list']);
      expect(list.code).toBe(1);
      expect(list.stdout).toMatch(/a\.qa\.test .*BROKEN/);
      expect(list.stdout).not.toMatch(/imported/);
    }
  });

  it('crash test: SIGKILL at random points leaves live a complete old or new version', async () => {
    const root = join(tempDir(), 'store');
    const pairsFile = join(tempDir(), 'pairs.json');
    writeFileSync(pairsFile, JSON.stringify(pairs));
    const store = new Store(root);
    const kills = 40;
    let sawVersions = new Set<number>();
    for (let i = 0; i < kills; i++) {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'test/helpers/store-writer.mjs'), root, 'crashy', pairsFile],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      // the writer is always reaped: killed and waited for, whatever happens to the test meanwhile
      const exited = new Promise((r) => child.once('exit', r));
      try {
        // started writing, or ended early (then the assertions below judge what it left)
        await Promise.race([
          new Promise<void>((resolve) => child.stdout.once('data', () => resolve())),
          exited,
        ]);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 60));
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const live = await store.liveVersion('crashy');
      if (live !== null) {
        sawVersions.add(live);
        assertLiveConsistent(store, 'crashy');
      }
    }
    // the writers made progress across kills (stale locks were taken over) ...
    expect(sawVersions.size).toBeGreaterThan(5);
    // ... and a clean run afterwards sweeps the leftovers and completes
    await store.locked(() => store.addVersion('crashy', pairs[0]!));
    assertLiveConsistent(store, 'crashy');
    const leftovers = readdirSync(store.versionsDir('crashy')).filter((e) => e.includes('.tmp-'));
    expect(leftovers).toEqual([]);
    sawVersions = new Set();
  }, 600_000); // 40 node start-ups: minutes on a loaded 2-core machine, seconds otherwise
});

describe('certkit list', () => {
  it('shows lineages with names, expiry, issuer and source', async () => {
    const root = join(tempDir(), 'store');
    const store = new Store(root);
    await store.writeSettings({
      schemaVersion: 1,
      name: 'web',
      source: 'imported',
      domains: ['v0.example.test'],
      createdAt: new Date().toISOString(),
      updatedAt: '',
    });
    await store.locked(() => store.addVersion('web', pairs[0]!));
    const r = certkitJson(['--store', root, 'list']);
    expect(r.lineages).toHaveLength(1);
    expect(r.lineages[0]).toMatchObject({
      name: 'web',
      source: 'imported',
      domains: ['v0.example.test'],
      liveVersion: 1,
    });
    expect(r.lineages[0].daysLeft).toBeGreaterThan(80);
    const human = certkit(['--store', root, 'list']);
    expect(human.stdout).toMatch(/^NAME\s+NAMES/m);
    expect(human.stdout).toMatch(/web\s+v0\.example\.test/);
  });

  it('says so when the store is empty', () => {
    const r = certkit(['--store', tempDir(), 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no lineages/);
  });
});
