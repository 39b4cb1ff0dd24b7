// Issue 2 benchmarks: startup time, and inspecting 2,000 certificates vs an openssl loop.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { CERTKIT, have, hyperfine, row, scaled, tmp } from './lib.mjs';

async function makeCerts(dir, count) {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const leafKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (1000 + i).toString(16),
      subject: `CN=host${i}.example.test`,
      issuer: 'CN=Bench CA',
      notBefore: new Date(Date.now() - 86400000),
      notAfter: new Date(Date.now() + (i % 365) * 86400000),
      signingAlgorithm: alg,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: `host${i}.example.test` }]),
      ],
    });
    writeFileSync(join(dir, `host${i}.pem`), cert.toString('pem') + '\n');
  }
  void generateKeyPairSync;
}

export default async function foundation() {
  const rows = [];
  const v = hyperfine([`${CERTKIT} --version`, ...(have('certbot') ? ['certbot --version'] : [])], {
    runs: 20,
    warmup: 3,
    shell: false,
  });
  rows.push(
    row(
      'certkit --version vs certbot --version (median)',
      v[0].median,
      v[1]?.median,
      undefined,
      have('certbot') ? '' : 'certbot not installed',
    ),
  );

  const dir = join(tmp(), 'certs');
  await makeCerts(dir, scaled(2000));
  const r = hyperfine(
    [
      `${CERTKIT} inspect --json ${dir} > /dev/null`,
      `for f in ${dir}/*.pem; do openssl x509 -noout -enddate -subject -in "$f"; done > /dev/null`,
    ],
    { runs: 1, warmup: 0 },
  );
  rows.push(
    row(
      'inspect 2,000 certs (--json) vs openssl x509 loop',
      r[0].median,
      r[1].median,
      (s) => `${s.toFixed(2)} s`,
    ),
  );
  return rows;
}
