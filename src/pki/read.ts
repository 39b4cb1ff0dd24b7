/**
 * Reads whatever a certificate file turns out to be: PEM (certs, chains, bundles, keys, CSRs, PKCS#7),
 * DER (certificate, PKCS#7, PKCS#12, CSR, key) and PKCS#12. Garbage becomes one CertkitError('input').
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inputError } from '../errors.js';
import { isDerSequence, looksLikeCsr, looksLikePkcs12, pkcs7Certificates } from './der.js';
import { hasPemMarker, splitPem, stripBom, toPem, type PemBlock } from './pem.js';
import type { Material, ParsedCertificate, ParsedKey } from './types.js';

export interface ReadOptions {
  /** PKCS#12 password or private-key passphrase */
  password?: string;
}

function certFromDer(der: Buffer): ParsedCertificate {
  return { x509: new X509Certificate(der), der };
}

function keyFromPem(block: PemBlock, password: string | undefined): ParsedKey {
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
      throw inputError('the private key passphrase is wrong', 'check --password-file / CERTKIT_PASSWORD');
    throw inputError(`damaged private key (${label}): ${(err as Error).message}`);
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
  for (const block of blocks) {
    switch (block.label) {
      case 'CERTIFICATE':
      case 'TRUSTED CERTIFICATE':
      case 'X509 CERTIFICATE':
        try {
          material.certificates.push(certFromDer(block.der));
        } catch (err) {
          throw inputError(`${source}: a CERTIFICATE block is damaged (${(err as Error).message})`);
        }
        break;
      case 'PKCS7': {
        const ders = pkcs7Certificates(block.der);
        if (!ders) throw inputError(`${source}: the PKCS7 block is not a certificate bundle`);
        material.format = 'pkcs7-pem';
        for (const der of ders) material.certificates.push(certFromDer(der));
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
        material.keys.push(keyFromPem(block, opts.password));
        break;
      default:
        // EC PARAMETERS, PUBLIC KEY, DH PARAMETERS...: not something we report on
        break;
    }
  }
  return material;
}

function readDer(buf: Buffer, source: string, opts: ReadOptions): Material | null {
  if (!isDerSequence(buf)) return null;
  const base = { source, certificates: [], keys: [], csrs: [] };
  const p7 = pkcs7Certificates(buf);
  if (p7) return { ...base, format: 'pkcs7-der', certificates: p7.map(certFromDer) };
  if (looksLikePkcs12(buf)) {
    return { ...base, format: 'pkcs12', csrs: [], ...pkcs12(buf, opts.password) };
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

export async function readMaterial(buf: Buffer, source: string, opts: ReadOptions = {}): Promise<Material> {
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
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError(`${path}: no such file`);
    if (code === 'EACCES') throw inputError(`${path}: permission denied`, 'run as a user who can read it');
    if (code === 'EISDIR') throw inputError(`${path}: is a directory`);
    throw inputError(`${path}: cannot read (${code ?? (err as Error).message})`);
  }
  return readMaterial(buf, path, opts);
}
