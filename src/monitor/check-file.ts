/**
 * One certificate file as a unit: read and judged when the pool gets to it, its private key compared (in the
 * file, or the sibling key file named after it). In a directory, what is not certificate material is skipped
 * with its reason; what claims to be and cannot be read is a finding.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { looksLikePkcs12 } from '../pki/der.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import { orderChain } from '../pki/chain.js';
import { readMaterial, readRegularFileSync } from '../pki/read.js';
import type { CheckReport, Finding } from './types.js';
import { revocation, judge } from './check-judge.js';
import { failed, messageOf, readFailure, type CheckOptions, type Unit } from './check-unit.js';

/** Names that promise certificate material: when such a file cannot be read it is a finding, not a skip. */
const CERT_NAME = /\.(pem|crt|cer|der|p7b|p7c|pfx|p12)$/i;
/** Private keys are often unreadable to the monitoring user on purpose: those are skipped, not UNKNOWN. */
const KEY_NAME = /(\.key|key\.pem|\.key\.pem)$/i;

/**
 * The key file that belongs to a certificate file by name: site.pem → site.key / site-key.pem / site.key.pem;
 * certbot's cert.pem / fullchain.pem / cert3.pem → privkey.pem / privkey3.pem. Never "any privkey.pem in the
 * directory": that paired one key with every certificate and reported false key mismatches.
 */
export function siblingKeyNames(file: string): string[] {
  const base = basename(file, extname(file));
  const names = [`${base}.key`, `${base}-key.pem`, `${base}.key.pem`];
  const certbot = /^(?:cert|fullchain)(\d*)$/.exec(base);
  if (certbot) names.push(`privkey${certbot[1]}.pem`);
  else if (/cert|fullchain/.test(base)) names.push(base.replace(/fullchain|cert/, 'privkey') + '.pem');
  return names.filter((n) => n !== basename(file));
}

/** The sibling key file, looked up in the directory listing when there is one (no stat per file). */
function siblingKey(file: string, listing?: ReadonlySet<string>): string | null {
  for (const name of siblingKeyNames(file)) {
    if (listing ? listing.has(name) : existsSync(join(dirname(file), name))) return join(dirname(file), name);
  }
  return null;
}

/**
 * One file: read and judged when the pool gets to it (not all files held in memory first). What is not
 * certificate material is recorded in `skipped` and yields null; what claims to be and cannot be read is a finding.
 */
export function fileUnit(
  path: string,
  o: CheckOptions,
  skipped: CheckReport['skipped'],
  listing?: ReadonlySet<string>,
): Unit {
  const fromDir = listing !== undefined;
  const now = o.policy.now;
  return {
    label: path,
    kind: 'file',
    run: async () => {
      let buf: Buffer | undefined;
      let material;
      try {
        buf = readRegularFileSync(path);
        material = await readMaterial(buf, path, { password: o.password });
      } catch (err) {
        // in a directory, a file that does not even claim to be certificate material is skipped with its reason;
        // one that does (a truncated PEM, a password-protected .pfx, an unreadable .crt) is reported
        const claims =
          CERT_NAME.test(path) ||
          (buf !== undefined &&
            (looksLikePkcs12(buf) || /-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/.test(buf.toString('latin1'))));
        // an empty file (a self-signed lineage's chain.pem) holds nothing to judge either
        if (fromDir && (!claims || buf?.length === 0 || (KEY_NAME.test(path) && buf === undefined))) {
          skipped.push({ path, reason: messageOf(err) });
          return null;
        }
        return failed(path, 'file', readFailure(path, err), now);
      }
      if (material.certificates.length === 0) {
        const what = material.keys.length
          ? 'a private key'
          : material.csrs.length
            ? 'a CSR'
            : 'no certificate';
        if (fromDir) {
          skipped.push({ path, reason: what });
          return null;
        }
        const finding: Finding = {
          id: 'unreadable',
          severity: 'UNKNOWN',
          message: `${path}: holds ${what}, no certificate`,
        };
        return failed(path, 'file', finding, now);
      }
      const certificates = material.certificates;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- filtered to keys with a keyObject on the same line or just above
      const keys = material.keys.filter((k) => k.keyObject).map((k) => k.keyObject!);
      const extra: Finding[] = [];
      const { chain } = orderChain(certificates);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain keeps at least the leaf
      const leaf = chain[0]!;
      const keyFile = keys.length || leaf.x509.ca ? null : siblingKey(path, listing);
      if (keyFile) {
        try {
          const m = await readMaterial(readRegularFileSync(keyFile, 'key'), keyFile);
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- filtered to keys with a keyObject on the same line or just above
          keys.push(...m.keys.filter((k) => k.keyObject).map((k) => k.keyObject!));
        } catch {
          /* not a key, encrypted, or not readable by this user: nothing to compare */
        }
      }
      if (!leaf.x509.ca && keys.length && !keys.some((k) => keyMatchesCertificate(k, leaf.x509))) {
        extra.push({
          id: 'key-mismatch',
          severity: 'CRITICAL',
          message: `the private key ${keyFile ?? 'in the file'} does not match the certificate`,
        });
      }
      extra.push(...(await revocation(certificates, o)));
      return judge(path, 'file', certificates, o, undefined, extra);
    },
  };
}
