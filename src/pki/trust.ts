/** Trust anchors: node's bundled Mozilla roots, the system bundle, and any --ca-file the user adds. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { inputError } from '../errors.js';
import { splitPem } from './pem.js';
import { readRegularFileSync } from './read.js';
import { prepareAnchors } from './path/anchors.js';
import type { AnchorSet } from './path/types.js';

export interface TrustStore {
  /** every anchor, for validatePath (indexed once: see prepareAnchors) */
  anchors: AnchorSet;
  isAnchor(cert: X509Certificate): boolean;
  /** an anchor that issued (and signed) the certificate, if any */
  issuerOf(cert: X509Certificate): X509Certificate | undefined;
  size: number;
}

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

function parseBundle(text: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  try {
    for (const block of splitPem(text)) {
      if (block.label !== 'CERTIFICATE' && block.label !== 'TRUSTED CERTIFICATE') continue;
      try {
        out.push(new X509Certificate(block.der));
      } catch {
        /* skip a damaged anchor */
      }
    }
  } catch {
    /* unreadable bundle: ignore */
  }
  return out;
}

/**
 * `anchors` from a public store (Node's bundled Mozilla roots: the CA/B root profile applies to them);
 * `privateAnchors` added on this machine or by --ca-file (RFC 5280 only; see src/pki/path/cert-checks.ts).
 */
export function buildTrustStore(
  publicAnchors: X509Certificate[],
  privateAnchors: X509Certificate[] = [],
): TrustStore {
  const anchors = [...publicAnchors, ...privateAnchors];
  const isPublic = new Set(publicAnchors);
  const bySubject = new Map<string, X509Certificate[]>();
  const fingerprints = new Set<string>();
  const unique: X509Certificate[] = [];
  for (const a of anchors) {
    if (fingerprints.has(a.fingerprint256)) continue;
    fingerprints.add(a.fingerprint256);
    unique.push(a);
    const list = bySubject.get(a.subject) ?? [];
    list.push(a);
    bySubject.set(a.subject, list);
  }
  return {
    anchors: prepareAnchors(
      unique.filter((a) => isPublic.has(a)),
      unique.filter((a) => !isPublic.has(a)),
    ),
    size: fingerprints.size,
    isAnchor: (cert) => fingerprints.has(cert.fingerprint256),
    issuerOf(cert) {
      for (const a of bySubject.get(cert.issuer) ?? []) {
        try {
          if (cert.checkIssued(a) && cert.verify(a.publicKey)) return a;
        } catch {
          /* not this one */
        }
      }
      return undefined;
    },
  };
}

const cache = new Map<string, TrustStore>();

/** A --ca-file: a regular, bounded file holding at least one PEM certificate, else one clear error. */
function readCaFile(file: string): X509Certificate[] {
  const certs = parseBundle(readRegularFileSync(file).toString('utf8'));
  if (certs.length === 0)
    throw inputError(`${file}: holds no PEM certificate (a --ca-file is a CA certificate or bundle in PEM)`);
  return certs;
}

/** System trust plus extra CA files (PEM). Cached per set of files. */
export function loadTrustStore(caFiles: string[] = [], { system = true } = {}): TrustStore {
  const key = `${system}|${caFiles.join('\0')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const mozilla: X509Certificate[] = [];
  const anchors: X509Certificate[] = [];
  if (system) {
    mozilla.push(...parseBundle(rootCertificates.join('\n')));
    const extra = process.env.SSL_CERT_FILE ? [process.env.SSL_CERT_FILE] : [];
    for (const file of [...extra, ...SYSTEM_BUNDLES]) {
      try {
        anchors.push(...parseBundle(readFileSync(file, 'utf8')));
        if (!extra.includes(file)) break;
      } catch {
        /* not on this system */
      }
    }
  }
  for (const file of caFiles) anchors.push(...readCaFile(file));
  const store = buildTrustStore(mozilla, anchors);
  cache.set(key, store);
  return store;
}
