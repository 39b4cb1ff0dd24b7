import { createServer, type Server } from 'node:http';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkit, certkitAsync, certkitJson } from '../helpers/cli.js';
import { issue, makeRoot, openssl, opensslFacts, read, tempDir, signCsr } from '../helpers/openssl.js';
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
      const name = `p7b-${form.toLowerCase()}.example.test`;
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
      const args = [
        'pkcs12',
        '-export',
        '-in',
        l.certFile,
        '-inkey',
        l.keyFile,
        '-certfile',
        int.certFile,
        '-out',
        pfx,
        '-passout',
        'pass:s3cret',
      ];
      if (legacy) args.push('-legacy', '-certpbe', 'PBE-SHA1-RC2-40', '-keypbe', 'PBE-SHA1-3DES');
      openssl(args);
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
    const r = certkit([
      '--store',
      join(tempDir(), 's'),
      'import',
      '--cert',
      l.certFile,
      '--chain',
      int.certFile,
      '--key',
      l.keyFile,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expired on 2021-01-01/);
  });

  it('a certificate whose names differ from its pending CSR is refused', () => {
    const work = tempDir();
    const store = join(work, 'store');
    const csr = certkitJson(['--store', store, 'csr', '-d', 'asked.example.test', '--out-dir', work]);
    signCsr(csr.csrFile, int, ['asked.example.test', 'sneaky.example.test'], join(work, 'leaf.pem'), 30);
    const before = snapshot(store);
    const r = certkit([
      '--store',
      store,
      'import',
      '--cert',
      join(work, 'leaf.pem'),
      '--chain',
      int.certFile,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/differ from its pending CSR/);
    expect(snapshot(store)).toEqual(before);
  });
});

describe('certkit selfsigned', () => {
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
    const text = openssl([
      'x509',
      '-in',
      join(store, 'live', 'pbx.internal.test', 'cert.pem'),
      '-noout',
      '-text',
    ]);
    expect(text).toMatch(/DNS:pbx\.internal\.test, IP Address:10\.9\.8\.7/);
    const l = certkitJson(['--store', store, 'list']).lineages[0];
    expect(l).toMatchObject({ source: 'self-signed', selfSigned: true });
    expect(certkit(['--store', store, 'list']).stdout).toMatch(/self-signed/);
  });
});
