/**
 * Reads whatever a certificate file turns out to be: PEM (certs, chains, bundles, keys, CSRs, PKCS#7),
 * DER (certificate, PKCS#7, PKCS#12, CSR, key) and PKCS#12. Garbage becomes one CertkitError('input').
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { CertkitError, inputError } from '../errors.js';
import { isDerSequence, looksLikeCsr, looksLikePkcs12, pkcs7Certificates } from './der.js';
import { hasPemMarker, splitPem, stripBom, toPem, type PemBlock } from './pem.js';
import type { Material, ParsedCertificate, ParsedKey } from './types.js';

/** Size caps per kind of file: a certificate file or bundle (the Mozilla bundle is ~220 KB), a private key, a passphrase. */
export const SIZE_CAP = { material: 4 * 1024 * 1024, key: 256 * 1024, secret: 4 * 1024 } as const;
const KIND_WORDS: Record<FileKind, string> = {
  material: 'certificate file',
  key: 'private key',
  secret: 'passphrase or password file',
};
export type FileKind = keyof typeof SIZE_CAP;
/** Certificates read from one file at most (the Mozilla bundle holds ~150). */
export const MAX_CERTIFICATES_PER_FILE = 1000;

const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 0)} MiB`;

function notAFile(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a file';
  if (st.isSocket()) return 'is a socket, not a file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a file';
  return 'is not a regular file';
}

/** The path, the kind of error and the words a user needs for an fs error code. */
function fsError(path: string, err: unknown): CertkitError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CertkitError('input', `${path}: no such file`);
  if (code === 'EACCES' || code === 'EPERM')
    return new CertkitError('environment', `${path}: permission denied`, 'run as a user who can read it');
  if (code === 'EISDIR') return inputError(`${path}: is a directory, not a file`);
  if (code === 'ENXIO') return inputError(`${path}: is a socket or device, not a file`);
  if (code === 'ELOOP') return inputError(`${path}: too many levels of symbolic links`);
  return inputError(`${path}: cannot read (${code ?? (err as Error).message})`);
}

/**
 * Reads a regular file of at most SIZE_CAP[kind] bytes. Devices, FIFOs, sockets and directories are refused
 * without blocking (opened O_NONBLOCK, judged by fstat on the open descriptor: no race with a swapped path), and
 * a file larger than the cap is refused before it is read. Synchronous on purpose: certificate files are small and
 * a directory of thousands is read fastest this way.
 */
export function readRegularFileSync(path: string, kind: FileKind = 'material'): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fsError(path, err);
  }
  try {
    const st = fstatSync(fd);
    const wrong = notAFile(st);
    if (wrong) throw inputError(`${path}: ${wrong}`, 'give a certificate, key or bundle file');
    const cap = SIZE_CAP[kind];
    const tooBig = () =>
      inputError(
        `${path}: larger than ${MiB(cap)} (the most certkit reads for a ${KIND_WORDS[kind]})`,
        'is it the right file?',
      );
    if (st.size > cap) throw tooBig();
    // read to the end even if the size was wrong (a file growing meanwhile, /proc), never past the cap
    let buf = Buffer.allocUnsafe(Math.min(cap + 1, Math.max(st.size + 1, 4096)));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > cap) throw tooBig();
        const bigger = Buffer.allocUnsafe(Math.min(cap + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > cap) throw tooBig();
    return buf.subarray(0, length);
  } catch (err) {
    throw err instanceof CertkitError ? err : fsError(path, err);
  } finally {
    closeSync(fd);
  }
}

export async function readRegularFile(path: string, kind: FileKind = 'material'): Promise<Buffer> {
  return readRegularFileSync(path, kind);
}

export interface ReadOptions {
  /** PKCS#12 password or private-key passphrase */
  password?: string;
}

/**
 * Parsed certificates by their DER bytes. Parsing is the dearest step of reading a file (OpenSSL 3 decodes the
 * public key eagerly) and the same certificate is met again and again: the intermediate in every chain.pem and
 * fullchain.pem of a certbot tree, copies in several directories, every scrape of the exporter. X509Certificate
 * objects are immutable, so one is shared. Bounded: cleared when full.
 */
const parsed = new Map<string, X509Certificate>();
const PARSED_MAX = 4096;

function certFromDer(der: Buffer): ParsedCertificate {
  const key = der.toString('latin1');
  let x509 = parsed.get(key);
  if (!x509) {
    x509 = new X509Certificate(der);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(key, x509);
  }
  return { x509, der };
}

function keyFromPem(block: PemBlock, password: string | undefined, source: string): ParsedKey {
  const label = block.label;
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(block.headers['Proc-Type'] ?? '');
  const encoding = label === 'RSA PRIVATE KEY' ? 'pkcs1' : label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8';
  if (encrypted && password === undefined) return { encoding, encrypted };
  try {
    return {
      encoding,
      encrypted,
      keyObject: createPrivateKey({ key: block.text, format: 'pem', passphrase: password }),
    };
  } catch (err) {
    if (encrypted)
      throw inputError(
        `${source}: the private key passphrase is wrong`,
        'check --password-file / CERTKIT_PASSWORD',
      );
    throw inputError(`${source}: damaged private key (${label}: ${(err as Error).message})`);
  }
}

function readPemText(text: string, source: string, opts: ReadOptions): Material {
  let blocks: PemBlock[];
  try {
    blocks = splitPem(text);
  } catch (err) {
    throw inputError(
      `${source}: ${(err as Error).message}`,
      'the file was probably cut short; copy it again in full',
    );
  }
  const material: Material = { source, format: 'pem', certificates: [], keys: [], csrs: [] };
  const certBlocks = blocks.filter((b) => /CERTIFICATE$|^PKCS7$/.test(b.label)).length;
  if (certBlocks > MAX_CERTIFICATES_PER_FILE) throw tooManyCertificates(source, certBlocks);
  for (const block of blocks) {
    switch (block.label) {
      case 'CERTIFICATE':
      case 'TRUSTED CERTIFICATE':
      case 'X509 CERTIFICATE':
        try {
          material.certificates.push(certFromDer(block.der));
        } catch (err) {
          throw inputError(
            `${source}: the CERTIFICATE block at line ${block.line} is damaged (${(err as Error).message})`,
          );
        }
        break;
      case 'PKCS7': {
        const ders = pkcs7Certificates(block.der);
        if (!ders) throw inputError(`${source}: the PKCS7 block is not a certificate bundle`);
        material.format = 'pkcs7-pem';
        for (const der of ders) material.certificates.push(certFromDer(der));
        if (material.certificates.length > MAX_CERTIFICATES_PER_FILE)
          throw tooManyCertificates(source, material.certificates.length);
        break;
      }
      case 'CERTIFICATE REQUEST':
      case 'NEW CERTIFICATE REQUEST':
        material.csrs.push({ der: block.der, pem: toPem('CERTIFICATE REQUEST', block.der) });
        break;
      case 'PRIVATE KEY':
      case 'RSA PRIVATE KEY':
      case 'EC PRIVATE KEY':
      case 'ENCRYPTED PRIVATE KEY':
        material.keys.push(keyFromPem(block, opts.password, source));
        break;
      default:
        // EC PARAMETERS, PUBLIC KEY, DH PARAMETERS...: not something we report on
        break;
    }
  }
  return material;
}

function tooManyCertificates(source: string, n: number): CertkitError {
  return inputError(
    `${source}: holds ${n} certificates; certkit reads at most ${MAX_CERTIFICATES_PER_FILE} from one file`,
    'split the bundle',
  );
}

function readDer(buf: Buffer, source: string, opts: ReadOptions): Material | null {
  if (!isDerSequence(buf)) return null;
  const base = { source, certificates: [], keys: [], csrs: [] };
  const p7 = pkcs7Certificates(buf);
  if (p7) {
    if (p7.length > MAX_CERTIFICATES_PER_FILE) throw tooManyCertificates(source, p7.length);
    return { ...base, format: 'pkcs7-der', certificates: p7.map(certFromDer) };
  }
  if (looksLikePkcs12(buf)) {
    try {
      return { ...base, format: 'pkcs12', csrs: [], ...pkcs12(buf, opts.password) };
    } catch (err) {
      if (err instanceof CertkitError)
        throw new CertkitError(err.kind, `${source}: ${err.message}`, err.hint);
      throw err;
    }
  }
  try {
    return { ...base, format: 'der', certificates: [certFromDer(buf)] };
  } catch {
    /* not a certificate */
  }
  if (looksLikeCsr(buf)) {
    return { ...base, format: 'der', csrs: [{ der: buf, pem: toPem('CERTIFICATE REQUEST', buf) }] };
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      const keyObject = createPrivateKey({ key: buf, format: 'der', type });
      return { ...base, format: 'der', keys: [{ encoding: type, encrypted: false, keyObject }] };
    } catch {
      /* try the next */
    }
  }
  return null;
}

// Loaded lazily: node-forge is only needed for PKCS#12.
let pkcs12Reader: typeof import('./pkcs12.js').readPkcs12 | undefined;
function pkcs12(buf: Buffer, password: string | undefined) {
  if (!pkcs12Reader) throw new Error('pkcs12 reader not loaded');
  return pkcs12Reader(buf, password);
}

/** Any failure is a CertkitError('input') naming the source: a damaged file is a user's problem, never "internal". */
export async function readMaterial(buf: Buffer, source: string, opts: ReadOptions = {}): Promise<Material> {
  try {
    return await readMaterialUnchecked(buf, source, opts);
  } catch (err) {
    if (err instanceof CertkitError) throw err;
    throw inputError(`${source}: damaged or unsupported content (${(err as Error).message})`);
  }
}

async function readMaterialUnchecked(buf: Buffer, source: string, opts: ReadOptions): Promise<Material> {
  if (buf.length === 0) throw inputError(`${source}: the file is empty`);
  if (looksLikePkcs12(buf) && !pkcs12Reader) pkcs12Reader = (await import('./pkcs12.js')).readPkcs12;
  const head = buf.subarray(0, 4096).toString('latin1');
  if (hasPemMarker(head) || hasPemMarker(buf.toString('latin1'))) {
    const material = readPemText(stripBom(buf.toString('utf8')), source, opts);
    if (material.certificates.length + material.keys.length + material.csrs.length === 0) {
      throw inputError(`${source}: holds PEM blocks but no certificate, key or CSR`);
    }
    return material;
  }
  const der = readDer(buf, source, opts);
  if (der && der.certificates.length + der.keys.length + der.csrs.length > 0) return der;
  if (der && der.format === 'pkcs12')
    throw inputError(`${source}: the PKCS#12 file holds no certificate or key`);
  throw inputError(
    `${source}: not a certificate, key, CSR, PKCS#7 or PKCS#12 file`,
    'certkit reads PEM, DER, .p7b and .pfx/.p12 files',
  );
}

export async function readMaterialFile(path: string, opts: ReadOptions = {}): Promise<Material> {
  return readMaterial(readRegularFileSync(path), path, opts);
}
