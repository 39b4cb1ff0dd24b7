/**
 * `certkit import`: a CA-issued certificate in whatever form it came, made into a lineage version:
 * chain rebuilt leaf-first, missing intermediates fetched via AIA, key matched (or found among pending
 * CSRs), root left out of the served chain. Refuses (store unchanged) on an expired or not-yet-valid (unless
 * force) certificate, a CA certificate, several server certificates no key singles out, a key that matches
 * nothing, or names that differ from the pending CSR's.
 */
import { CertkitError } from '../errors.js';
import { fetchIssuers } from '../pki/aia.js';
import { endEntities, orderChain } from '../pki/chain.js';
import {
  daysLeft,
  formatDn,
  isSelfSigned,
  notAfterOf,
  notBeforeOf,
  subjectAltNames,
  commonNameOf,
} from '../pki/facts.js';
import { chooseLeaf, leafLabel, leafRefusal } from './leaf.js';
import { keyMatchesCertificate, publicKeyId } from '../pki/keys.js';
import { readMaterial, readRegularFileSync, type FileKind } from '../pki/read.js';
import type { TrustStore } from '../pki/trust.js';
import { validatePath } from '../pki/path/validate.js';
import type { ParsedCertificate } from '../pki/types.js';
import type { KeyObject } from 'node:crypto';
import { lineageNameFor } from '../store/paths.js';
import type { Store } from '../store/store.js';
import { deleteOrderFiles, findPendingOrder, ordersWithout, pendingOrdersOf } from '../store/pending.js';
import { toPem } from '../pki/pem.js';

/** A leaf and its chain are a handful; a trust store given by mistake is refused, not sorted. */
const MAX_CERTIFICATES = 64;

export interface ImportInput {
  certFiles: string[];
  chainFiles?: string[];
  keyFile?: string;
  pfxFile?: string;
  password?: string;
  name?: string;
  offline?: boolean;
  aiaTimeoutMs?: number;
  now?: Date;
  dryRun?: boolean;
  /** put a certificate that is not valid yet live anyway */
  force?: boolean;
}

export interface ImportResult {
  name: string;
  version: number | null;
  names: string[];
  notAfter: string;
  daysLeft: number;
  issuer: string;
  chainLength: number;
  fetched: string[];
  keyFrom: 'given' | 'pending-csr';
  notes: string[];
  livePath: string;
}

/** The names the order asked for that the certificate lacks (a CA may add names, never drop one). */
function missingNames(asked: string[], got: string[]): string[] {
  const have = new Set(got.map((n) => n.toLowerCase()));
  return asked.filter((n) => !have.has(n.toLowerCase()));
}

export async function importCertificate(
  input: ImportInput,
  store: Store,
  trust: TrustStore,
): Promise<ImportResult> {
  const now = input.now ?? new Date();
  const notes: string[] = [];
  const files = [...input.certFiles, ...(input.chainFiles ?? []), ...(input.pfxFile ? [input.pfxFile] : [])];
  if (files.length === 0)
    throw new CertkitError('usage', 'nothing to import', 'give --cert FILE or --pfx FILE');
  const certs: ParsedCertificate[] = [];
  const keys: KeyObject[] = [];
  let encryptedKeySeen = false;
  const inputs: [string, FileKind][] = files.map((f) => [f, 'material']);
  if (input.keyFile) inputs.push([input.keyFile, 'key']);
  for (const [f, kind] of inputs) {
    const m = await readMaterial(readRegularFileSync(f, kind), f, { password: input.password });
    certs.push(...m.certificates);
    for (const k of m.keys) {
      if (k.keyObject) keys.push(k.keyObject);
      else encryptedKeySeen = true;
    }
  }
  if (certs.length === 0) throw new CertkitError('input', 'no certificate found in the given files');
  if (certs.length > MAX_CERTIFICATES)
    throw new CertkitError(
      'input',
      `the given files hold ${certs.length} certificates; an import takes at most ${MAX_CERTIFICATES}`,
      'give the leaf and its chain, not a whole trust store',
    );

  // several server certificates (a bundle of two sites): the key, or a pending order's, says which one
  const leaves = endEntities(certs);
  const chosen = await chooseLeaf(
    leaves,
    keys,
    async (c) => !!(await findPendingOrder(store, publicKeyId(c.x509.publicKey))),
  );
  let { chain, unrelated } = orderChain(certs, chosen);
  // a CA certificate, an expired or a not-yet-valid one never goes live: refused before any fetch
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain keeps at least the leaf
  const refusal = leafRefusal(chain[0]!, now, !!input.force);
  if (refusal) throw refusal;
  const fetched: string[] = [];
  // Complete the chain: follow AIA caIssuers until a self-signed root or a trusted issuer.
  for (let hops = 0; hops < 4; hops++) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain keeps at least the leaf
    const last = chain[chain.length - 1]!;
    if (isSelfSigned(last.x509) || trust.issuerOf(last.x509)) break;
    const url = (last.x509.infoAccess ?? '')
      .split('\n')
      .find((l) => l.startsWith('CA Issuers - URI:'))
      ?.slice(17)
      .trim();
    if (!url || input.offline) break;
    try {
      const got = await fetchIssuers(url, input.aiaTimeoutMs ?? 10_000);
      if (got.length === 0) break;
      fetched.push(url);
      ({ chain, unrelated } = orderChain([...chain, ...got, ...unrelated], chosen));
      if (chain[chain.length - 1] === last) break; // what came back didn't extend the chain
    } catch (err) {
      notes.push(`could not fetch the issuer from ${url}: ${(err as Error).message}`);
      break;
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain keeps at least the leaf
  const leaf = chain[0]!;
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain keeps at least the leaf
  const last = chain[chain.length - 1]!;
  if (!isSelfSigned(last.x509) && !trust.issuerOf(last.x509)) {
    if (chain.length === 1) {
      throw new CertkitError(
        'input',
        `the intermediate certificate "${formatDn(leaf.x509.issuer)}" is missing${notes.length ? ` (${notes[0]})` : ''}`,
        input.offline
          ? 'give it with --chain FILE, or drop --offline to fetch it'
          : 'give it with --chain FILE (the CA sends it as "CA bundle" or "intermediate")',
      );
    }
  }
  // the one trust decision: the path validator (src/pki/path), at import time, for the certificate's names
  const verdict = validatePath({
    leaf: leaf.x509,
    intermediates: [...chain.slice(1), ...unrelated].map((c) => c.x509),
    anchors: trust.anchors,
    at: now,
  });
  if (!verdict.trusted && !isSelfSigned(leaf.x509))
    notes.push(
      `not trusted on this machine: ${verdict.problems.map((p) => `${p.id}: ${p.message}`).join('; ')}`,
    );
  if (unrelated.length)
    notes.push(`${unrelated.length} certificate(s) not in the leaf's chain were left out`);
  if (leaves.length > 1)
    notes.push(
      `imported ${leafLabel(leaf)} of the ${leaves.length} server certificates given (${leaves.map(leafLabel).join(', ')})`,
    );
  const notAfter = notAfterOf(leaf.x509);
  const notBefore = notBeforeOf(leaf.x509);
  if (notBefore.getTime() > now.getTime())
    notes.push(
      `the certificate is not valid until ${notBefore.toISOString()}; it was put live anyway (--force)`,
    );

  const sanNames = Object.values(subjectAltNames(leaf.x509)).flat();
  // a legacy certificate with no SAN: the lineage is named by its CN, and the user is told clients ignore it
  const cn = commonNameOf(leaf.x509.subject);
  const leafNames = sanNames.length ? sanNames : cn ? [cn.toLowerCase()] : [];
  if (!sanNames.length)
    notes.push(
      cn
        ? `the certificate has no subjectAltName: browsers and most TLS clients ignore its CN "${cn}" and will refuse it for that name`
        : 'the certificate names no host at all (no subjectAltName, no CN): no client will accept it for a name',
    );
  let key = keys.find((k) => keyMatchesCertificate(k, leaf.x509));
  let keyFrom: ImportResult['keyFrom'] = 'given';
  // any pending order with this key, in any lineage, whether or not the key was also given
  const pending = await findPendingOrder(store, publicKeyId(leaf.x509.publicKey));
  if (pending) {
    const missing = missingNames(pending.order.names, leafNames);
    if (missing.length) {
      throw new CertkitError(
        'policy',
        `the certificate lacks ${missing.join(', ')}, which pending order ${pending.order.id} of "${pending.lineage}" asked for (it has ${leafNames.join(', ')})`,
        'ask the CA to reissue it with every name of the CSR; nothing was imported',
      );
    }
    const extra = leafNames.filter(
      (n) => !pending.order.names.some((o) => o.toLowerCase() === n.toLowerCase()),
    );
    if (extra.length) notes.push(`the CA added ${extra.join(', ')} to the names the CSR asked for`);
    if (!key) {
      key = pending.key;
      keyFrom = 'pending-csr';
    }
  }
  const pendingLineage = pending?.lineage ?? null;
  if (!key) {
    if (keys.length > 0)
      throw new CertkitError(
        'input',
        'the private key does not match the certificate',
        'give the key the CSR was made with; nothing was imported',
      );
    if (encryptedKeySeen)
      throw new CertkitError(
        'input',
        'the private key is encrypted',
        'give its passphrase with --password-file or CERTKIT_PASSWORD',
      );
    throw new CertkitError(
      'input',
      'no private key matches this certificate (none given, and no pending CSR in the store has it)',
      'give it with --key FILE',
    );
  }

  const name =
    input.name ??
    pendingLineage ??
    lineageNameFor(commonNameOf(leaf.x509.subject) ?? leafNames[0] ?? 'imported');
  const served = chain.slice(1).filter((c) => !isSelfSigned(c.x509));
  const files2 = {
    certPem: toPem('CERTIFICATE', leaf.der),
    chainPem: served.map((c) => toPem('CERTIFICATE', c.der)).join(''),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
  let version: number | null = null;
  if (!input.dryRun) {
    version = await store.locked(async () => {
      const existing = await store.readSettings(name);
      const ts = new Date().toISOString();
      const v = await store.addVersion(name, files2);
      // the fulfilled order leaves; any other pending order (of this or another lineage) stays
      const remaining =
        pending && pendingLineage === name
          ? ordersWithout(existing, pending.order.id)
          : pendingOrdersOf(existing);
      // a lineage that renews over ACME keeps doing so: an import must never silently end its renewals
      const keepsAcme = existing?.source === 'acme' && !!existing.acme;
      if (keepsAcme)
        notes.push(
          `"${name}" keeps renewing over ACME (its renewal settings are unchanged); the next renewal replaces this certificate`,
        );
      await store.writeSettings({
        ...(existing ?? {}),
        schemaVersion: 1,
        name,
        source: keepsAcme ? 'acme' : 'imported',
        domains: leafNames,
        createdAt: existing?.createdAt ?? ts,
        updatedAt: ts,
        pending: undefined,
        pendingOrders: remaining.length ? remaining : undefined,
      });
      if (pending && pendingLineage !== name) {
        // the key came from another lineage's pending order: that order is fulfilled
        const other = await store.readSettings(pending.lineage);
        const left = ordersWithout(other, pending.order.id);
        if (left.length === 0 && (await store.versions(pending.lineage)).length === 0)
          await store.remove(pending.lineage);
        else if (other) await store.writeSettings({ ...other, pending: undefined, pendingOrders: left });
      }
      if (pending) await deleteOrderFiles(pending.order);
      return v;
    });
  }
  return {
    name,
    version,
    names: leafNames,
    notAfter: notAfter.toISOString(),
    daysLeft: daysLeft(notAfter, now),
    issuer: formatDn(leaf.x509.issuer),
    chainLength: 1 + served.length,
    fetched,
    keyFrom,
    notes,
    livePath: store.liveDir(name),
  };
}
