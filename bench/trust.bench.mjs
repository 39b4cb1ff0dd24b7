// Issue 11 benchmarks: certkit verify of one chain vs openssl verify, and check over 1,000 chain files
// (leaf + intermediate, distinct leaves, the root given with --ca-file) — the cost of the path validator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERTKIT, hyperfine, need, row, scaled, sec, tmp } from './lib.mjs';

/** A root, an intermediate and `count` distinct leaves under it (ECDSA P-256, Web PKI extensions). */
export async function makeChains(dir, count) {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const gen = () => crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const [rootKeys, icaKeys, leafKeys] = [await gen(), await gen(), await gen()];
  const day = 86_400_000;
  const caExt = async (keys, issuerKeys) => [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ...(issuerKeys ? [await x509.AuthorityKeyIdentifierExtension.create(issuerKeys.publicKey)] : []),
  ];
  const base = { notBefore: new Date(Date.now() - day), signingAlgorithm: alg };
  const root = await x509.X509CertificateGenerator.create({
    ...base,
    serialNumber: '01',
    subject: 'CN=Bench Root',
    issuer: 'CN=Bench Root',
    notAfter: new Date(Date.now() + 3650 * day),
    publicKey: rootKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: await caExt(rootKeys),
  });
  const ica = await x509.X509CertificateGenerator.create({
    ...base,
    serialNumber: '02',
    subject: 'CN=Bench ICA',
    issuer: 'CN=Bench Root',
    notAfter: new Date(Date.now() + 1825 * day),
    publicKey: icaKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: await caExt(icaKeys, rootKeys),
  });
  mkdirSync(join(dir, 'chains'), { recursive: true });
  writeFileSync(join(dir, 'root.pem'), root.toString('pem') + '\n');
  const aki = await x509.AuthorityKeyIdentifierExtension.create(icaKeys.publicKey);
  for (let i = 0; i < count; i++) {
    const leaf = await x509.X509CertificateGenerator.create({
      ...base,
      serialNumber: (0x1000 + i).toString(16),
      subject: `CN=host${i}.example.test`,
      issuer: 'CN=Bench ICA',
      notAfter: new Date(Date.now() + 90 * day),
      publicKey: leafKeys.publicKey,
      signingKey: icaKeys.privateKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: `host${i}.example.test` }]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        aki,
      ],
    });
    writeFileSync(
      join(dir, 'chains', `host${i}.pem`),
      leaf.toString('pem') + '\n' + ica.toString('pem') + '\n',
    );
  }
  return { root: join(dir, 'root.pem'), chains: join(dir, 'chains'), one: join(dir, 'chains', 'host0.pem') };
}

export default async function trust() {
  need('openssl');
  const dir = tmp();
  const n = scaled(1000);
  const f = await makeChains(dir, n);
  const ca = `--ca-file ${f.root} --no-system-roots`;
  const v = hyperfine(
    [
      `${CERTKIT} verify ${f.one} ${ca} --name host0.example.test`,
      `openssl verify -x509_strict -CAfile ${f.root} -untrusted ${f.one} -verify_hostname host0.example.test ${f.one}`,
    ],
    { runs: 20, warmup: 3 },
  );
  const rows = [row('verify one chain vs openssl verify', v[0], v[1])];
  const c = hyperfine([`${CERTKIT} --quiet check ${f.chains} ${ca} > /dev/null; true`], {
    runs: 5,
    warmup: 1,
  });
  rows.push(
    row(`check ${n.toLocaleString('en')} chain files (leaf+intermediate, --ca-file root)`, c[0], null, sec),
  );
  return rows;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const dir = process.argv[2];
  if (dir) console.log(JSON.stringify(await makeChains(dir, Number(process.argv[3] ?? 1000))));
}
