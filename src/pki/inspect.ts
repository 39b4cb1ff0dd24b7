/** The inspect report: facts for every input, chain analysis, key↔certificate match. Pure of output. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyseChain, endEntities, orderChain } from './chain.js';
import { csrFacts, type CsrFacts } from './csr-facts.js';
import { certFacts, keyFacts } from './facts.js';
import { keyMatchesCertificate } from './keys.js';
import { readMaterial, readMaterialFile, type ReadOptions } from './read.js';
import type { TrustStore } from './trust.js';
import type { CertFacts, ChainReport, InputFormat, KeyFacts, Material } from './types.js';
import { CertkitError, inputError } from '../errors.js';

export const INSPECT_SCHEMA_VERSION = 1;

export interface KeyReport extends KeyFacts {
  encoding: string;
  encrypted: boolean;
  /** fingerprint of the certificate (in this report) the key belongs to, or null */
  matchesCertificate: string | null;
}

export interface InputReport {
  source: string;
  format: InputFormat;
  certificates: CertFacts[];
  chain: ChainReport | null;
  keys: KeyReport[];
  csrs: CsrFacts[];
}

export interface KeyMatchReport {
  key: string;
  certificate: string | null;
  matches: boolean;
  problem: string | null;
}

export interface InspectReport {
  schemaVersion: number;
  inputs: InputReport[];
  skipped: { source: string; reason: string }[];
  keyMatch: KeyMatchReport | null;
}

async function reportFor(material: Material, trust: TrustStore, now: Date): Promise<InputReport> {
  const certificates = material.certificates.map((c) => certFacts(c, now));
  const keys: KeyReport[] = material.keys.map((k) => {
    const facts = k.keyObject ? keyFacts(k.keyObject) : { type: 'unknown' };
    const owner = k.keyObject
      ? // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- k.keyObject is checked on the line above
        material.certificates.find((c) => keyMatchesCertificate(k.keyObject!, c.x509))
      : undefined;
    return {
      ...facts,
      encoding: k.encoding,
      encrypted: k.encrypted,
      matchesCertificate: owner?.x509.fingerprint256 ?? null,
    };
  });
  const csrs = await Promise.all(material.csrs.map((c) => csrFacts(c)));
  return {
    source: material.source,
    format: material.format,
    certificates,
    chain: material.certificates.length > 0 ? analyseChain(material.certificates, trust, now) : null,
    keys,
    csrs,
  };
}

/** The reason of a skipped directory (the rest are files): how the report tells them apart. */
export const CANNOT_LIST = 'cannot list the directory';

/** The files below a directory, recursively; a subdirectory that cannot be listed is skipped with its reason. */
async function expand(path: string, out: string[], skipped: InspectReport['skipped']): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) {
    let entries: string[];
    try {
      entries = (await readdir(path)).sort();
    } catch (err) {
      skipped.push({ source: path, reason: `${CANNOT_LIST} (${(err as NodeJS.ErrnoException).code})` });
      return;
    }
    for (const entry of entries) await expand(join(path, entry), out, skipped);
  } else out.push(path);
}

/** A directory given by name: it must be listable and hold at least one file (at any depth). */
async function filesOf(dir: string, skipped: InspectReport['skipped']): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    const permission = code === 'EACCES' || code === 'EPERM';
    throw new CertkitError(
      permission ? 'environment' : 'input',
      `cannot read ${dir} (${code})`,
      permission ? 'run as a user who can read it' : undefined,
    );
  }
  const files: string[] = [];
  const skippedBefore = skipped.length;
  for (const entry of entries) await expand(join(dir, entry), files, skipped);
  if (files.length === 0 && skipped.length === skippedBefore) throw inputError(`${dir} holds no files`);
  return files;
}

export interface InspectOptions extends ReadOptions {
  keyFile?: string;
  now?: Date;
  stdin?: () => Promise<Buffer>;
  /**
   * for an argument that names nothing on disk: the chain served at that address (set by the CLI), or a
   * CertkitError saying what is missing. Without it, such an argument is a missing file.
   */
  endpoint?: (spec: string) => Promise<Material>;
}

/** Explicit files must parse (else CertkitError 'input'); files found inside a directory are skipped if not. */
export async function inspectPaths(
  paths: string[],
  trust: TrustStore,
  opts: InspectOptions = {},
): Promise<InspectReport> {
  const now = opts.now ?? new Date();
  const report: InspectReport = {
    schemaVersion: INSPECT_SCHEMA_VERSION,
    inputs: [],
    skipped: [],
    keyMatch: null,
  };
  const materials: Material[] = [];
  for (const path of paths) {
    if (path === '-') {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- '-' is accepted as a path only when a stdin reader is given
      materials.push(await readMaterial(await opts.stdin!(), '<stdin>', opts));
      continue;
    }
    const st = await stat(path).catch((err: NodeJS.ErrnoException) => err.code ?? 'error');
    if (st === 'ENOENT' && opts.endpoint) {
      materials.push(await opts.endpoint(path));
      continue;
    }
    // a file, or what cannot be looked at (a symlink loop, permissions): the reader names the problem
    if (typeof st === 'string' || !st.isDirectory()) {
      materials.push(await readMaterialFile(path, opts));
      continue;
    }
    for (const f of await filesOf(path, report.skipped)) {
      try {
        materials.push(await readMaterialFile(f, opts));
      } catch (err) {
        if (!(err instanceof CertkitError)) throw err;
        report.skipped.push({ source: f, reason: err.message });
      }
    }
  }
  for (const m of materials) report.inputs.push(await reportFor(m, trust, now));

  if (opts.keyFile) {
    const keyMaterial = await readMaterialFile(opts.keyFile, opts);
    const key = keyMaterial.keys[0];
    const all = materials.flatMap((m) => m.certificates);
    // in a bundle of several end-entity certificates, the one the key belongs to (else the chain's leaf)
    const keyObject = key?.keyObject;
    const leaf =
      (keyObject && endEntities(all).find((c) => keyMatchesCertificate(keyObject, c.x509))) ??
      orderChain(all).chain[0];
    const fingerprint = leaf?.x509.fingerprint256 ?? null;
    if (!key)
      report.keyMatch = {
        key: opts.keyFile,
        certificate: fingerprint,
        matches: false,
        problem: 'no private key in the file',
      };
    else if (!key.keyObject)
      report.keyMatch = {
        key: opts.keyFile,
        certificate: fingerprint,
        matches: false,
        problem: 'the key is encrypted; give its passphrase to compare',
      };
    else if (!leaf)
      report.keyMatch = {
        key: opts.keyFile,
        certificate: null,
        matches: false,
        problem: 'no certificate to compare with',
      };
    else {
      const matches = keyMatchesCertificate(key.keyObject, leaf.x509);
      report.keyMatch = {
        key: opts.keyFile,
        certificate: fingerprint,
        matches,
        problem: matches ? null : 'the private key does not belong to this certificate',
      };
    }
  }
  return report;
}
