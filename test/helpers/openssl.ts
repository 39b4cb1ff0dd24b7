/**
 * Test PKI made with the real openssl binary, at test time (committed certificates would expire). The openssl
 * command lines are scripts/lib/openssl.mjs's (shared with the demo's Pebble and the benchmarks).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain ESM module without types
import * as js from '../../scripts/lib/openssl.mjs';

export const openssl = js.openssl as (
  args: string[],
  opts?: { cwd?: string; input?: string | Buffer },
) => string;

/** A CSR for /CN=cn with a new key in keyFile (default P-256), or signed by existingKey when given. */
const certificateRequest = js.certificateRequest as (
  csrFile: string,
  cn: string,
  key: { keyFile: string; key?: KeySpec; existingKey?: string },
) => void;

/** Signs a CSR with issuer by `openssl x509 -req` for `days`, with extFile's extensions; extra: more x509 arguments. */
const signRequest = js.signRequest as (
  csrFile: string,
  issuer: IssuedCert,
  certFile: string,
  extFile: string,
  days: number,
  extra?: string[],
) => string;

export function tempDir(prefix = 'certkit-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export type KeySpec = 'rsa2048' | 'rsa1024' | 'ec256' | 'ec384';

export interface IssuedCert {
  certFile: string;
  keyFile: string;
}

let serial = 1000;

/** A self-signed CA (root). */
export function makeRoot(
  dir: string,
  name = 'root',
  cn = 'certkit Test Root',
  key: KeySpec = 'ec256',
  days = 3650,
): IssuedCert {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  return selfSigned(keyFile, certFile, cn, days, key, [
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

export interface IssueOptions {
  cn: string;
  sans?: string[];
  key?: KeySpec;
  ca?: boolean;
  /** days of validity; negative start offsets via notBefore/notAfter */
  days?: number;
  notBefore?: string; // YYYYMMDDHHMMSSZ
  notAfter?: string;
  digest?: 'sha256' | 'sha1';
  aia?: { ocsp?: string; caIssuers?: string };
  existingKey?: string;
}

/** Issues a certificate signed by `issuer` (openssl x509 -req, or `openssl ca`-free via -set_serial). */
export function issue(dir: string, name: string, issuer: IssuedCert, o: IssueOptions): IssuedCert {
  const keyFile = o.existingKey ?? join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  certificateRequest(csrFile, o.cn, { keyFile, key: o.key, existingKey: o.existingKey });
  const ext: string[] = [];
  if (o.ca) ext.push('basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign');
  else
    ext.push(
      'basicConstraints=CA:false',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    );
  if (o.sans?.length) ext.push(sanExtension(o.sans));
  const aia: string[] = [];
  if (o.aia?.ocsp) aia.push(`OCSP;URI:${o.aia.ocsp}`);
  if (o.aia?.caIssuers) aia.push(`caIssuers;URI:${o.aia.caIssuers}`);
  if (aia.length) ext.push(`authorityInfoAccess=${aia.join(',')}`);
  ext.push('subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid');
  writeFileSync(extFile, ext.join('\n') + '\n');
  if (o.notBefore || o.notAfter) {
    // openssl 3.0's `x509 -req` can't set explicit dates: `openssl ca` can
    const caDir = join(dir, `${name}.ca`);
    mkdirSync(join(caDir, 'new'), { recursive: true });
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'serial'), (serial++).toString(16).padStart(4, '0') + '\n');
    writeFileSync(
      join(caDir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca=d',
        '[d]',
        `database=${caDir}/index.txt`,
        `new_certs_dir=${caDir}/new`,
        `serial=${caDir}/serial`,
        `default_md=${o.digest ?? 'sha256'}`,
        'policy=p',
        'unique_subject=no',
        '[p]',
        'commonName=supplied',
        '',
      ].join('\n'),
    );
    openssl([
      'ca',
      '-batch',
      '-config',
      join(caDir, 'ca.cnf'),
      '-in',
      csrFile,
      '-cert',
      issuer.certFile,
      '-keyfile',
      issuer.keyFile,
      '-out',
      certFile,
      '-startdate',
      o.notBefore ?? '20200101000000Z',
      '-enddate',
      o.notAfter ?? '20991231000000Z',
      '-extfile',
      extFile,
      '-notext',
      '-md',
      o.digest ?? 'sha256',
    ]);
    return { certFile, keyFile };
  }
  signRequest(csrFile, issuer, certFile, extFile, o.days ?? 90, [
    '-set_serial',
    String(serial++),
    `-${o.digest ?? 'sha256'}`,
  ]);
  return { certFile, keyFile };
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

export interface OpensslFacts {
  subjectCN: string;
  issuerCN: string;
  serial: string;
  notAfter: Date;
  fingerprint: string;
  sans: string[];
}

/** What openssl says about a PEM or DER certificate. */
export function opensslFacts(certFile: string, inform: 'PEM' | 'DER' = 'PEM'): OpensslFacts {
  const out = openssl([
    'x509',
    '-in',
    certFile,
    '-inform',
    inform,
    '-noout',
    '-serial',
    '-enddate',
    '-fingerprint',
    '-sha256',
    '-subject',
    '-issuer',
    '-nameopt',
    'RFC2253',
    '-ext',
    'subjectAltName',
  ]);
  const get = (re: RegExp) => re.exec(out)?.[1]?.trim() ?? '';
  const sanLine = out.split('\n').find((l) => /DNS:|IP Address:/.test(l)) ?? '';
  return {
    subjectCN: get(/subject=.*?CN=([^,\n]+)/),
    issuerCN: get(/issuer=.*?CN=([^,\n]+)/),
    serial: get(/serial=([0-9A-F]+)/),
    notAfter: new Date(get(/notAfter=(.+)/)),
    fingerprint: get(/Fingerprint=([0-9A-F:]+)/),
    sans: sanLine
      .trim()
      .split(/,\s*/)
      .filter(Boolean)
      .map((s) => s.replace('IP Address:', 'IP:')),
  };
}

/** A three-level PKI: EC root, EC intermediate, and an RSA and an EC leaf. */
export function makeChain(dir: string, leafNames = ['www.example.test', 'example.test']) {
  const root = makeRoot(dir);
  const int = issue(dir, 'int', root, { cn: 'certkit Test Intermediate', ca: true, days: 1000 });
  const rsaLeaf = issue(dir, 'leaf-rsa', int, {
    cn: leafNames[0]!,
    sans: leafNames,
    key: 'rsa2048',
    aia: { ocsp: 'http://ocsp.example.test/', caIssuers: 'http://127.0.0.1:9/int.der' },
  });
  const ecLeaf = issue(dir, 'leaf-ec', int, {
    cn: leafNames[0]!,
    sans: [...leafNames, '127.0.0.1'],
    key: 'ec256',
  });
  return { root, int, rsaLeaf, ecLeaf };
}

/** Signs a CSR as a CA would, putting exactly these names in the certificate (test stand-in for a paid CA). */
export function signCsr(
  csrFile: string,
  issuer: IssuedCert,
  names: string[],
  outFile: string,
  days = 90,
): string {
  const ext = `${outFile}.ext`;
  writeFileSync(ext, `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
  return signRequest(csrFile, issuer, outFile, ext, days);
}

/**
 * The leaf and its key, with chainFile's certificates when given, as a PKCS#12 file protected by password;
 * legacy: RC2/3DES encryption (as older Windows and Java tools write), else openssl's default (AES).
 */
export function makePfx(
  out: string,
  leaf: IssuedCert,
  password: string,
  o: { chainFile?: string; legacy?: boolean } = {},
): string {
  openssl([
    'pkcs12',
    '-export',
    '-in',
    leaf.certFile,
    '-inkey',
    leaf.keyFile,
    ...(o.chainFile ? ['-certfile', o.chainFile] : []),
    '-out',
    out,
    '-passout',
    `pass:${password}`,
    ...(o.legacy ? ['-legacy', '-certpbe', 'PBE-SHA1-RC2-40', '-keypbe', 'PBE-SHA1-3DES'] : []),
  ]);
  return out;
}

/** A self-signed P-256 leaf (cA unset) such as appliances ship: `<name>.pem` and `<name>.key` in dir. */
export const selfSignedLeaf = js.selfSignedLeaf as (
  dir: string,
  name: string,
  cn: string,
  days?: number,
  /** the SAN names, IP addresses as IP:; [] for a legacy certificate with none (CN only) */
  sans?: string[],
) => IssuedCert;

/** A self-signed certificate; without `extra`, a server certificate with no key usage restrictions (what servers are set up with by hand). */
export const selfSigned = js.selfSigned as (
  keyFile: string,
  certFile: string,
  cn: string,
  days?: number,
  key?: KeySpec,
  /** more `openssl req` arguments, such as -addext */
  extra?: string[],
) => IssuedCert;

/** subjectAltName extension text for names: IP addresses as IP:, the others as DNS:. */
const sanExtension = js.sanExtension as (names: string[]) => string;
