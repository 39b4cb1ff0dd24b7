import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkit, certkitAsync, certkitJson } from '../helpers/cli.js';
import {
  issue,
  makePfx,
  makeRoot,
  openssl,
  opensslFacts,
  read,
  selfSignedLeaf,
  tempDir,
  signCsr,
} from '../helpers/openssl.js';
import { snapshot } from '../helpers/fs.js';

let dir: string;
let root: ReturnType<typeof makeRoot>;
let int: ReturnType<typeof issue>;
let server: Server;
let aiaUrl: string;

/** The store's live view holds a leaf-first fullchain without the root, and the key matches. */
function expectGoodLineage(store: string, name: string, leafFile: string) {
  const live = join(store, 'live', name);
  const fullchain = read(join(live, 'fullchain.pem'));
  const certs = fullchain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
  expect(certs).toHaveLength(2);
  const leafFp = opensslFacts(leafFile).fingerprint;
  const f0 = join(tempDir(), 'c0.pem');
  writeFileSync(f0, certs[0]!);
  expect(opensslFacts(f0).fingerprint).toBe(leafFp);
  writeFileSync(f0, certs[1]!);
  expect(opensslFacts(f0).fingerprint).toBe(opensslFacts(int.certFile).fingerprint);
  const keyPub = openssl(['pkey', '-in', join(live, 'privkey.pem'), '-pubout']);
  expect(keyPub).toBe(openssl(['x509', '-in', join(live, 'cert.pem'), '-pubkey', '-noout']));
  expect(statSync(join(live, 'privkey.pem')).mode & 0o777).toBe(0o600);
  // the files are usable as a chain: openssl verifies leaf via chain against the root
  expect(
    openssl([
      'verify',
      '-CAfile',
      root.certFile,
      '-untrusted',
      join(live, 'chain.pem'),
      join(live, 'cert.pem'),
    ]),
  ).toMatch(/OK/);
}

beforeAll(async () => {
  dir = tempDir();
  root = makeRoot(dir);
  int = issue(dir, 'int', root, { cn: 'certkit Import Intermediate', ca: true, days: 1000 });
  openssl(['x509', '-in', int.certFile, '-outform', 'DER', '-out', join(dir, 'int.der')]);
  server = createServer((req, res) => {
    if (req.url === '/int.der') {
      res.writeHead(200, { 'content-type': 'application/pkix-cert' });
      res.end(readFileSync(join(dir, 'int.der')));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  aiaUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/int.der`;
});
afterAll(() => server?.close());

function leaf(
  name: string,
  key: 'rsa2048' | 'ec256' = 'ec256',
  opts: Parameters<typeof issue>[3] extends infer O ? Partial<O> : never = {},
) {
  return issue(dir, name, int, { cn: `${name}.example.test`, sans: [`${name}.example.test`], key, ...opts });
}

/** `import` of a leaf with its key and the test intermediate into store. */
function importWithChain(store: string, l: { certFile: string; keyFile: string }): string[] {
  return ['--store', store, 'import', '--cert', l.certFile, '--chain', int.certFile, '--key', l.keyFile];
}

/** The CA's side of a pending order: signs the CSR for these names, then runs `import` of it with its chain. */
function fulfil(store: string, csrFile: string, names: string[], leafFile: string) {
  signCsr(csrFile, int, names, leafFile, 30);
  return certkit(['--store', store, '--json', 'import', '--cert', leafFile, '--chain', int.certFile]);
}

describe('certkit import', () => {
  it('a PEM bundle in reversed order, with its key', () => {
    const l = leaf('rev', 'rsa2048');
    const bundle = join(dir, 'rev-bundle.pem');
    writeFileSync(bundle, read(root.certFile) + read(int.certFile) + read(l.certFile));
    const store = join(tempDir(), 'store');
    const r = certkitJson(['--store', store, 'import', '--cert', bundle, '--key', l.keyFile]);
    expect(r).toMatchObject({ name: 'rev.example.test', version: 1, chainLength: 2, keyFrom: 'given' });
    expectGoodLineage(store, 'rev.example.test', l.certFile);
    expect(certkitJson(['--store', store, 'list']).lineages[0].source).toBe('imported');
  });

  for (const form of ['PEM', 'DER'] as const) {
    it(`a .p7b (${form}) for a pending CSR: the key is found without --key`, () => {
      const work = tempDir();
      const store = join(work, 'store');
      const name = `p7b-${form.toLowerCase()}.example.com`;
      const csr = certkitJson(['--store', store, 'csr', '-d', name, '--out-dir', work]);
      signCsr(csr.csrFile, int, [name], join(work, 'leaf.pem'));
      const p7b = join(work, 'order.p7b');
      openssl([
        'crl2pkcs7',
        '-nocrl',
        '-certfile',
        root.certFile,
        '-certfile',
        join(work, 'leaf.pem'),
        '-certfile',
        int.certFile,
        '-outform',
        form,
        '-out',
        p7b,
      ]);
      const r = certkitJson(['--store', store, 'import', '--cert', p7b]);
      expect(r).toMatchObject({ name, keyFrom: 'pending-csr', chainLength: 2 });
      expectGoodLineage(store, name, join(work, 'leaf.pem'));
      const listed = certkitJson(['--store', store, 'list']).lineages[0];
      expect(listed.source).toBe('imported');
      expect(listed.pendingSince).toBeNull();
    });
  }

  it('a DER leaf plus a separate intermediate', () => {
    const l = leaf('der', 'ec256');
    openssl(['x509', '-in', l.certFile, '-outform', 'DER', '-out', join(dir, 'der-leaf.der')]);
    const store = join(tempDir(), 'store');
    certkitJson([
      '--store',
      store,
      'import',
      '--cert',
      join(dir, 'der-leaf.der'),
      '--chain',
      int.certFile,
      '--key',
      l.keyFile,
    ]);
    expectGoodLineage(store, 'der.example.test', l.certFile);
  });

  for (const [keyType, legacy] of [
    ['rsa2048', false],
    ['rsa2048', true],
    ['ec256', false],
    ['ec256', true],
  ] as const) {
    it(`a ${legacy ? 'legacy (RC2/3DES)' : 'modern (AES)'} .pfx with an ${keyType.startsWith('rsa') ? 'RSA' : 'ECDSA'} key`, () => {
      const name = `pfx-${keyType}-${legacy ? 'legacy' : 'modern'}`;
      const l = leaf(name, keyType);
      const pfx = join(dir, `${name}.pfx`);
      makePfx(pfx, l, 's3cret', { chainFile: int.certFile, legacy });
      writeFileSync(join(dir, 'pw'), 's3cret\n');
      const store = join(tempDir(), 'store');
      certkitJson(['--store', store, 'import', '--pfx', pfx, '--password-file', join(dir, 'pw')]);
      expectGoodLineage(store, `${name}.example.test`, l.certFile);
    });
  }

  it('a leaf-only file: the intermediate is fetched from the AIA caIssuers URL', async () => {
    const l = leaf('aia', 'ec256', { aia: { caIssuers: aiaUrl } });
    const store = join(tempDir(), 'store');
    const run = await certkitAsync([
      '--json',
      '--store',
      store,
      'import',
      '--cert',
      l.certFile,
      '--key',
      l.keyFile,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.fetched).toEqual([aiaUrl]);
    expectGoodLineage(store, 'aia.example.test', l.certFile);
  });

  it('--offline refuses a leaf-only file, naming the missing issuer', () => {
    const l = leaf('offline', 'ec256', { aia: { caIssuers: aiaUrl } });
    const store = join(tempDir(), 'store');
    const r = certkit(['--store', store, 'import', '--cert', l.certFile, '--key', l.keyFile, '--offline']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: the intermediate certificate "CN=certkit Import Intermediate" is missing/,
    );
  });

  it('a mismatched key is refused and the store is unchanged', () => {
    const good = leaf('keep', 'ec256');
    const other = leaf('other', 'ec256');
    const store = join(tempDir(), 'store');
    certkitJson([
      '--store',
      store,
      'import',
      '--cert',
      good.certFile,
      '--chain',
      int.certFile,
      '--key',
      good.keyFile,
      '--name',
      'site',
    ]);
    const before = snapshot(store);
    const r = certkit([
      '--store',
      store,
      'import',
      '--cert',
      other.certFile,
      '--chain',
      int.certFile,
      '--key',
      good.keyFile,
      '--name',
      'site',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^certkit: the private key does not match the certificate/);
    expect(snapshot(store)).toEqual(before);
  });

  it('an expired certificate is refused', () => {
    const l = leaf('expired', 'ec256', { notBefore: '20200101000000Z', notAfter: '20210101000000Z' });
    const r = certkit(importWithChain(join(tempDir(), 's'), l));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expired on 2021-01-01/);
  });

  it('a certificate that lacks a name its pending order asked for is refused', () => {
    const work = tempDir();
    const store = join(work, 'store');
    const csr = certkitJson([
      '--store',
      store,
      'csr',
      '-d',
      'asked.example.com',
      '-d',
      'also.example.com',
      '--out-dir',
      work,
    ]);
    const before = snapshot(store);
    const r = fulfil(store, csr.csrFile, ['asked.example.com'], join(work, 'leaf.pem'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /lacks also\.example\.com, which pending order \S+ of \\?"asked\.example\.com\\?" asked for/,
    );
    expect(snapshot(store)).toEqual(before);
  });
});

describe('a store given as a relative path', () => {
  it('csr run with --store ./store, import run later from another directory: the pending key is found (it was recorded relative to the first one)', () => {
    const work = tempDir();
    const name = 'relative.example.com';
    const csr = certkit(['--store', './store', '--json', 'csr', name, '--out-dir', '.'], { cwd: work });
    expect(csr.code, csr.stderr).toBe(0);
    const csrFile = join(work, `${name}.csr`);
    const leafFile = join(work, 'leaf.pem');
    signCsr(csrFile, int, [name], leafFile);
    const store = join(work, 'store');
    const r = certkit(['--store', store, '--json', 'import', '--cert', leafFile, '--chain', int.certFile], {
      cwd: tempDir(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name, keyFrom: 'pending-csr' });
  });
});

describe('pending orders are never replaced (issue 14 item 6)', () => {
  function order(store: string, names: string[], extra: string[] = []) {
    const out = tempDir();
    return certkitJson([
      '--store',
      store,
      'csr',
      ...names.flatMap((n) => ['-d', n]),
      ...extra,
      '--out-dir',
      out,
    ]);
  }

  it('a second csr for the same name gets a new order id; both are listed and both keys kept', () => {
    const store = join(tempDir(), 'store');
    const first = order(store, ['twice.example.com']);
    const second = order(store, ['twice.example.com']);
    expect(first.orderId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(second.orderId).not.toBe(first.orderId);
    const listed = certkitJson(['--store', store, 'list']).lineages;
    expect(listed).toHaveLength(1);
    expect(listed[0].pendingOrders.map((o: { id: string }) => o.id)).toEqual([first.orderId, second.orderId]);
    const text = certkit(['--store', store, 'list']).stdout;
    expect(text).toContain(`pending order ${first.orderId}`);
    expect(text).toContain(`pending order ${second.orderId}`);
    for (const id of [first.orderId, second.orderId])
      expect(
        statSync(join(store, 'lineages', 'twice.example.com', 'pending', id, 'privkey.pem')).mode & 0o777,
      ).toBe(0o600);
  });

  it('import finds the key of the FIRST order after a second one; the second stays pending', () => {
    const work = tempDir();
    const store = join(work, 'store');
    const first = order(store, ['first.example.com']);
    const second = order(store, ['first.example.com']);
    const r = JSON.parse(fulfil(store, first.csrFile, ['first.example.com'], join(work, 'leaf.pem')).stdout);
    expect(r).toMatchObject({ name: 'first.example.com', keyFrom: 'pending-csr', version: 1 });
    expectGoodLineage(store, 'first.example.com', join(work, 'leaf.pem'));
    const listed = certkitJson(['--store', store, 'list']).lineages[0];
    expect(listed.source).toBe('imported');
    expect(listed.pendingOrders.map((o: { id: string }) => o.id)).toEqual([second.orderId]);
    // and the second order's certificate imports too, later
    const r2 = JSON.parse(
      fulfil(store, second.csrFile, ['first.example.com'], join(work, 'leaf2.pem')).stdout,
    );
    expect(r2).toMatchObject({ name: 'first.example.com', keyFrom: 'pending-csr', version: 2 });
    expect(certkitJson(['--store', store, 'list']).lineages[0].pendingOrders).toEqual([]);
  });

  it('import --name OTHER fulfils the order of another lineage: that order and its key leave the store', () => {
    const work = tempDir();
    const store = join(work, 'store');
    const o = order(store, ['moved.example.com']);
    signCsr(o.csrFile, int, ['moved.example.com'], join(work, 'leaf.pem'), 30);
    const r = certkit([
      '--store',
      store,
      '--json',
      'import',
      '--cert',
      join(work, 'leaf.pem'),
      '--chain',
      int.certFile,
      '--name',
      'other',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'other', keyFrom: 'pending-csr' });
    const listed = certkitJson(['--store', store, 'list']).lineages;
    expect(listed.map((l: { name: string }) => l.name)).toEqual(['other']);
    expect(listed[0].pendingOrders).toEqual([]);
    expect(existsSync(join(store, 'lineages', 'moved.example.com'))).toBe(false);
  });

  it('names are added to a lineage through csr + import, and settings.json gets them', () => {
    const work = tempDir();
    const store = join(work, 'store');
    const one = order(store, ['grow.example.com']);
    expect(fulfil(store, one.csrFile, ['grow.example.com'], join(work, 'v1.pem')).code).toBe(0);
    const more = order(store, ['grow.example.com', 'new.example.com'], ['--name', 'grow.example.com']);
    const r = fulfil(store, more.csrFile, ['grow.example.com', 'new.example.com'], join(work, 'v2.pem'));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'grow.example.com', version: 2 });
    const settings = JSON.parse(read(join(store, 'lineages', 'grow.example.com', 'settings.json')));
    expect(settings.domains).toEqual(['grow.example.com', 'new.example.com']);
    expect(settings.pendingOrders).toBeUndefined();
  });
});

describe('stores from before pending orders had ids', () => {
  it('a pending CSR recorded the old way (one `pending` entry) is still found by import', () => {
    const work = tempDir();
    const store = join(work, 'store');
    const csr = certkitJson(['--store', store, 'csr', '-d', 'legacy.example.com', '--out-dir', work]);
    const lineage = join(store, 'lineages', 'legacy.example.com');
    const settings = JSON.parse(read(join(lineage, 'settings.json')));
    const [o] = settings.pendingOrders;
    for (const f of ['privkey.pem', 'csr.pem'])
      renameSync(join(lineage, 'pending', o.id, f), join(lineage, 'pending', f));
    rmdirSync(join(lineage, 'pending', o.id));
    const legacy = { ...o };
    delete legacy.id;
    delete legacy.names;
    legacy.keyFile = join(lineage, 'pending', 'privkey.pem');
    legacy.csrFile = join(lineage, 'pending', 'csr.pem');
    writeFileSync(
      join(lineage, 'settings.json'),
      JSON.stringify({ ...settings, pendingOrders: undefined, pending: legacy }),
    );
    expect(certkitJson(['--store', store, 'list']).lineages[0].pendingOrders).toHaveLength(1);
    const r = fulfil(store, csr.csrFile, ['legacy.example.com'], join(work, 'leaf.pem'));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ keyFrom: 'pending-csr', version: 1 });
    expect(existsSync(join(lineage, 'pending', 'privkey.pem'))).toBe(false);
  });

  it('refuses a bundle with more certificates than an import can hold', () => {
    const work = tempDir();
    const l = leaf('many');
    writeFileSync(join(work, 'many.pem'), read(l.certFile) + read(int.certFile).repeat(70));
    const r = certkit([
      '--store',
      join(work, 'store'),
      'import',
      '--cert',
      join(work, 'many.pem'),
      '--key',
      l.keyFile,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: the given files hold 71 certificates; an import takes at most 64/,
    );
    expect(existsSync(join(work, 'store', 'lineages'))).toBe(false);
  });
});

/** `openssl x509 -text` of a lineage's live certificate. */
function liveCertText(store: string, lineage: string): string {
  return openssl(['x509', '-in', join(store, 'live', lineage, 'cert.pem'), '-noout', '-text']);
}

describe('certkit selfsigned', () => {
  it("refuses a name with a space ('www.exa mple.com') but allows internal names", () => {
    const store = join(tempDir(), 'store');
    const bad = certkit(['--store', store, 'selfsigned', '-d', 'www.exa mple.com']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/a name cannot contain spaces/);
    expect(existsSync(join(store, 'lineages'))).toBe(false);
    expect(certkit(['--store', store, 'selfsigned', '-d', 'pbx.office.lan', '-d', '10.0.0.5']).code).toBe(0);
  });

  it('takes the names as arguments like request does (QA: `certkit selfsigned NAME` was refused), before the -d ones', () => {
    const store = join(tempDir(), 'store');
    const r = certkit(['--store', store, 'selfsigned', 'pbx.args.test', '10.1.2.3', '-d', 'alt.args.test']);
    expect(r.code, r.stderr).toBe(0);
    const text = liveCertText(store, 'pbx.args.test');
    expect(text).toMatch(/DNS:pbx\.args\.test, IP Address:10\.1\.2\.3, DNS:alt\.args\.test/);
    const none = certkit(['--store', store, 'selfsigned']);
    expect([none.code, none.stderr.trim()]).toEqual([
      2,
      'certkit: no names given (give them: certkit selfsigned NAME [NAME...] (or -d NAME))',
    ]);
    const csr = certkit(['--store', store, 'csr', 'www.args.example.com', 'args.example.com', '--dry-run']);
    expect([csr.code, csr.stdout.trim()], csr.stderr).toEqual([
      0,
      'would write a CSR for www.args.example.com, args.example.com to .',
    ]);
  });

  it('creates a lineage marked self-signed', () => {
    const store = join(tempDir(), 'store');
    const r = certkitJson([
      '--store',
      store,
      'selfsigned',
      '-d',
      'pbx.internal.test',
      '-d',
      '10.9.8.7',
      '--days',
      '30',
    ]);
    expect(r.selfSigned).toBe(true);
    const text = liveCertText(store, 'pbx.internal.test');
    expect(text).toMatch(/DNS:pbx\.internal\.test, IP Address:10\.9\.8\.7/);
    const l = certkitJson(['--store', store, 'list']).lineages[0];
    expect(l).toMatchObject({ source: 'self-signed', selfSigned: true });
    expect(certkit(['--store', store, 'list']).stdout).toMatch(/self-signed/);
  });
});

describe('import of a legacy certificate without subjectAltName', () => {
  it('names the lineage by its CN and says clients will ignore it (the lineage is never nameless)', () => {
    const d = tempDir();
    const legacy = selfSignedLeaf(d, 'c', 'Legacy.Example.com', 30, []);
    const store = join(d, 'store');
    const r = certkit([
      '--json',
      '--store',
      store,
      'import',
      '--cert',
      legacy.certFile,
      '--key',
      legacy.keyFile,
      '--offline',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.names).toEqual(['legacy.example.com']);
    expect(j.notes.join('\n')).toMatch(
      /no subjectAltName: browsers and most TLS clients ignore its CN "Legacy.Example.com"/,
    );
    const list = certkitJson(['--store', store, 'list']);
    expect(JSON.stringify(list)).toContain('legacy.example.com');
  });
});

describe('QA: what import puts live', () => {
  /** A bundle of two server certificates (www and mail) and their intermediate, as some CAs send an order. */
  function twoLeaves(work: string) {
    const www = issue(work, 'leaf1', int, { cn: 'www.example.test', sans: ['www.example.test'] });
    const mail = issue(work, 'leaf2', int, { cn: 'mail.example.test', sans: ['mail.example.test'] });
    const bundle = join(work, 'twoleaf.pem');
    writeFileSync(bundle, read(www.certFile) + read(mail.certFile) + read(int.certFile));
    return { www, mail, bundle };
  }

  it('two leaves in the bundle: the one the key matches is imported (it was "the key does not match")', () => {
    const work = tempDir();
    const { mail, bundle } = twoLeaves(work);
    const store = join(work, 'store');
    const r = certkit(['--store', store, 'import', '--cert', bundle, '--key', mail.keyFile, '--offline']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported as "mail\.example\.test" version 1: mail\.example\.test /);
    expect(r.stderr).toMatch(/imported mail\.example\.test of the 2 server certificates given/);
    expectGoodLineage(store, 'mail.example.test', mail.certFile);
    // inspect compares the key with the certificate it belongs to, not just the first one
    const inspected = certkit(['inspect', bundle, '--key', mail.keyFile]);
    expect(inspected.code, inspected.stdout).toBe(0);
    expect(inspected.stdout).toMatch(/key .* matches the certificate/);
  });

  it('two leaves and no key that decides: refused in one line naming both, nothing written', () => {
    const work = tempDir();
    const { bundle } = twoLeaves(work);
    const store = join(work, 'store');
    const none = certkit(['--store', store, 'import', '--cert', bundle, '--offline']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(
      /^certkit: the given files hold 2 server certificates \(www\.example\.test, mail\.example\.test\) and no key says which one to import \(give the key of the one to import with --key/,
    );
    const other = leaf('stranger');
    const wrong = certkit([
      '--store',
      store,
      'import',
      '--cert',
      bundle,
      '--key',
      other.keyFile,
      '--offline',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/hold 2 server certificates .* and the key matches none of them/);
    expect(existsSync(store)).toBe(false);
  });

  it("two leaves and a pending CSR's key matches one: that one is imported without --key", () => {
    const work = tempDir();
    const store = join(work, 'store');
    const csr = certkitJson(['--store', store, 'csr', '-d', 'mail.example.com', '--out-dir', work]);
    signCsr(csr.csrFile, int, ['mail.example.com'], join(work, 'mail.pem'), 30);
    const www = leaf('wwwpending');
    const bundle = join(work, 'order.pem');
    writeFileSync(bundle, read(www.certFile) + read(join(work, 'mail.pem')) + read(int.certFile));
    const r = certkitJson(['--store', store, 'import', '--cert', bundle, '--offline']);
    expect(r).toMatchObject({
      name: 'mail.example.com',
      keyFrom: 'pending-csr',
      names: ['mail.example.com'],
    });
  });

  it('a certificate not valid yet is refused, saying when it becomes valid and that --force puts it live', () => {
    const l = leaf('future', 'ec256', { notBefore: '20900101000000Z', notAfter: '20910101000000Z' });
    const store = join(tempDir(), 'store');
    const args = importWithChain(store, l);
    const r = certkit(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^certkit: the certificate is not valid until 2090-01-01T00:00:00\.000Z.*--force puts it live anyway; nothing was imported\)$/m,
    );
    expect(existsSync(store)).toBe(false);
    const forced = certkit([...args, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/note: the certificate is not valid until 2090-01-01.*put live anyway/);
    const live = join(store, 'live', 'future.example.test', 'cert.pem');
    expect(opensslFacts(live).fingerprint).toBe(opensslFacts(l.certFile).fingerprint);
  });

  it('a CA certificate with its key (an intermediate, a root) is refused: it is not a server certificate', () => {
    const store = join(tempDir(), 'store');
    for (const ca of [int, root]) {
      const r = certkit([
        '--store',
        store,
        'import',
        '--cert',
        ca.certFile,
        '--key',
        ca.keyFile,
        '--offline',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^certkit: "CN=certkit (Import Intermediate|Test Root)" is a CA certificate, not a server certificate/,
      );
    }
    const withChain = certkit([
      '--store',
      store,
      'import',
      '--cert',
      int.certFile,
      '--chain',
      root.certFile,
      '--key',
      int.keyFile,
    ]);
    expect(withChain.code).toBe(2);
    expect(withChain.stderr).toMatch(/is a CA certificate, not a server certificate/);
    expect(existsSync(store)).toBe(false);
  });

  it('import --help says what is refused and what --force does', () => {
    const help = certkit(['import', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(
      /one not valid yet \(unless --force\), a CA certificate \(it is not a server certificate\)/,
    );
    expect(help).toMatch(
      /several server certificates, the one the key \(or a pending CSR\) belongs to is imported/,
    );
    expect(help).toMatch(/--force put a certificate that is not valid yet live anyway/);
  });
});
