// Certificates made with the real openssl binary, for the test suite (test/helpers/openssl.ts builds on this),
// the demo's Pebble (pebble.mjs) and the benchmarks: the openssl command lines live here once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs openssl and returns its stdout; its stderr is kept (in the error when it fails), never printed. */
export function openssl(args, opts = {}) {
  return execFileSync('openssl', args, {
    cwd: opts.cwd,
    input: opts.input,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).toString();
}

/** `openssl req` arguments for a new key: 'rsa2048' | 'rsa1024' | 'ec256' | 'ec384'. */
export function keyArgs(spec) {
  switch (spec) {
    case 'rsa2048':
      return ['-newkey', 'rsa:2048'];
    case 'rsa1024':
      return ['-newkey', 'rsa:1024'];
    case 'ec256':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    case 'ec384':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
    default:
      throw new Error(`unknown key spec ${spec}`);
  }
}

/** subjectAltName extension text for names: IP addresses as IP:, the others as DNS:. */
export function sanExtension(names) {
  return `subjectAltName=${names.map((n) => (/^[\d.:]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`;
}

/**
 * A self-signed certificate and its new unencrypted key (`openssl req -x509`); `extra`: more req arguments
 * such as `-addext` (without any, a certificate with no key usage restrictions). Returns { certFile, keyFile }.
 */
export function selfSigned(keyFile, certFile, cn, days = 30, key = 'ec256', extra = []) {
  openssl([
    'req',
    '-x509',
    ...keyArgs(key),
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    `/CN=${cn}`,
    '-days',
    String(days),
    ...extra,
  ]);
  return { certFile, keyFile };
}

/**
 * A self-signed P-256 leaf (cA unset) such as appliances ship: `<name>.pem` and `<name>.key` in dir, for the
 * SAN names (IP addresses as IP:; [] for a legacy certificate with none, CN only).
 */
export function selfSignedLeaf(dir, name, cn, days = 30, sans = [cn]) {
  const sanArgs = sans.length ? ['-addext', sanExtension(sans)] : [];
  return selfSigned(join(dir, `${name}.key`), join(dir, `${name}.pem`), cn, days, 'ec256', sanArgs);
}

/** A CSR for /CN=cn with a new unencrypted key in keyFile, or signed by existingKey when given. */
export function certificateRequest(csrFile, cn, { keyFile, key = 'ec256', existingKey } = {}) {
  const keyArgsFor = existingKey ? ['-key', existingKey] : [...keyArgs(key), '-nodes', '-keyout', keyFile];
  openssl(['req', '-new', ...keyArgsFor, '-out', csrFile, '-subj', `/CN=${cn}`]);
}

/**
 * Signs a CSR with issuer ({ certFile, keyFile }) by `openssl x509 -req`, with the extensions of extFile, for
 * `days`; `extra`: more x509 arguments (-set_serial, the digest).
 */
export function signRequest(csrFile, issuer, certFile, extFile, days, extra = []) {
  openssl([
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    issuer.certFile,
    '-CAkey',
    issuer.keyFile,
    '-out',
    certFile,
    '-days',
    String(days),
    '-extfile',
    extFile,
    ...extra,
  ]);
  return certFile;
}
