// Issue 2 benchmarks: startup time, and inspecting 2,000 certificates vs an openssl loop.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CERTKIT, goal, hyperfine, ms, need, row, scaled, sec, tmp } from './lib.mjs';

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
}

export default async function foundation() {
  need('certbot');
  need('openssl');
  const rows = [];
  const v = hyperfine([`${CERTKIT} --version`, 'certbot --version', `${process.execPath} -e 0`], {
    runs: 20,
    warmup: 3,
    shell: false,
  });
  rows.push(row('certkit --version vs certbot --version', v[0], v[1]));
  rows.push(row('certkit --version vs a bare node -e 0', v[0], v[2], ms, goal(1.2, 'start-up')));

  const n = scaled(2000);
  const dir = join(tmp(), 'certs');
  await makeCerts(dir, n);
  const r = hyperfine(
    [
      `${CERTKIT} inspect --json ${dir} > /dev/null`,
      `for f in ${dir}/*.pem; do openssl x509 -noout -enddate -subject -in "$f"; done > /dev/null`,
    ],
    { runs: 1, warmup: 0 },
  );
  rows.push(row(`inspect ${n.toLocaleString('en')} certs (--json) vs openssl x509 loop`, r[0], r[1], sec));
  return rows;
}
