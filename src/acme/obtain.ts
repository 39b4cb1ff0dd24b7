/**
 * Obtain a certificate for a lineage and make it live: shared by `request` and `renew`.
 * The store changes only at the end, in one atomic switch, after the new version is verified.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { CertkitError } from '../errors.js';
import { generatePrivateKey, KEY_TYPES, keyTypeOf, parseKeyType } from '../csr/keygen.js';
import { isIpAddress } from '../csr/names.js';
import type { Store } from '../store/store.js';
import type { LineageSettings } from '../store/types.js';
import { ensureAccount, type RegisterOptions } from './account.js';
import { ariCertId } from './ari.js';
import { issueCertificate } from './issue.js';
import type { AcmeLineageSettings } from './lineage-settings.js';
import { makeSolver, type SolverIo } from './solvers/index.js';

export interface ObtainOptions {
  lineage: string;
  acme: AcmeLineageSettings;
  register: RegisterOptions;
  deployHook?: string;
  io: SolverIo;
  onStep?: (message: string) => void;
}

export interface ObtainResult {
  lineage: string;
  version: number;
  names: string[];
  notAfter: string;
  issuer: string;
  livePath: string;
  replaced: string | null;
  /** what the user should know about this issuance (e.g. a new key where the old one was to be reused) */
  notes: string[];
}

function coversAll(cert: X509Certificate, names: string[]): string[] {
  return names.filter((n) => {
    if (isIpAddress(n)) return cert.checkIP(n) === undefined;
    if (n.startsWith('*.')) return !(cert.subjectAltName ?? '').split(/,\s*/).includes(`DNS:${n}`);
    return cert.checkHost(n, { wildcards: true }) === undefined;
  });
}

/**
 * --reuse-key keeps the live key, except after that certificate was revoked: the key may be compromised (and a
 * CA refuses a key revoked for keyCompromise), so a new key is made and said.
 */
export function reuseKeyDecision(
  reuseKey: boolean,
  liveCertPem: string | null,
  revoked: { serial: string; reason: string } | null,
): { reuse: boolean; note: string | null } {
  if (!reuseKey || !liveCertPem) return { reuse: false, note: null };
  if (revoked && new X509Certificate(liveCertPem).serialNumber === revoked.serial)
    return {
      reuse: false,
      note: `a new key: the key of the revoked certificate (${revoked.reason}) is not reused`,
    };
  return { reuse: true, note: null };
}

export async function obtainForLineage(store: Store, opts: ObtainOptions): Promise<ObtainResult> {
  const step = opts.onStep ?? (() => {});
  const a = opts.acme;
  step(`account at ${new URL(a.directoryUrl).host}`);
  const { client } = await ensureAccount(store.root, a.directoryUrl, opts.register);
  const previous = await store.readLive(opts.lineage).catch(() => null);
  const revoked = previous
    ? await store
        .readSettings(opts.lineage)
        .then((s) => s?.revoked ?? null)
        .catch(() => null)
    : null;
  const reuse = reuseKeyDecision(a.reuseKey, previous?.certPem ?? null, revoked);
  const notes = reuse.note ? [reuse.note] : [];
  if (reuse.note) step(reuse.note);
  const key =
    reuse.reuse && previous
      ? createPrivateKey(previous.keyPem)
      : await generatePrivateKey(parseKeyType(a.keyType));
  // a reused key keeps its own type: the settings record what the lineage's key really is
  const usedType = keyTypeOf(key);
  const keyType = (KEY_TYPES as readonly string[]).includes(usedType) ? usedType : a.keyType;
  const replaces = previous ? ariCertId(previous.certPem) : null;
  const solver = makeSolver(
    a.challenge,
    opts.io,
    a.names.some((n) => n.startsWith('*.')),
  );
  const issued = await issueCertificate(client, {
    names: a.names,
    key,
    solver,
    profile: a.profile,
    preferredChain: a.preferredChain,
    replaces: replaces ?? undefined,
    onStep: step,
  });
  const leaf = new X509Certificate(issued.certPem);
  const missing = coversAll(leaf, a.names);
  if (missing.length)
    throw new CertkitError(
      'ca',
      `the CA's certificate does not cover ${missing.join(', ')}; nothing was changed`,
    );
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const version = await store.locked(async () => {
    // a damaged settings.json is replaced by the complete one below
    const existing = await store.readSettings(opts.lineage).catch(() => null);
    const now = new Date().toISOString();
    const settings: LineageSettings = {
      ...(existing ?? {}),
      schemaVersion: 1,
      name: opts.lineage,
      source: 'acme',
      domains: a.names,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      keyType,
      acme: { ...a, keyType },
      deployHook: opts.deployHook ?? existing?.deployHook,
      pending: undefined,
    };
    // the renewal settings are written BEFORE the version goes live: a kill in between leaves a lineage
    // that the next renew completes, never a live certificate nobody renews
    await store.writeSettings(settings);
    return store.addVersion(opts.lineage, { certPem: issued.certPem, chainPem: issued.chainPem, keyPem });
  });
  return {
    lineage: opts.lineage,
    version,
    names: a.names,
    notAfter: new Date(leaf.validTo).toISOString(),
    issuer: leaf.issuer.split('\n').join(', '),
    livePath: store.liveDir(opts.lineage),
    replaced: replaces && previous ? replaces : null,
    notes,
  };
}
