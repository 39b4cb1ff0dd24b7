/**
 * A CSR order for a paid CA: names normalised, key loaded or generated, CA/B rules enforced, CSR built,
 * key and CSR written (key 0600, atomically), and the pair recorded as a pending lineage in the store so
 * that `certkit import` later finds the key by the certificate's public key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { CertkitError, RuleViolationError } from '../errors.js';
import { keyFacts } from '../pki/facts.js';
import { readMaterial, readRegularFileSync } from '../pki/read.js';
import { publicKeyId } from '../pki/keys.js';
import { Store } from '../store/store.js';
import { pendingOrdersOf, savePendingOrder } from '../store/pending.js';
import { lineageNameFor } from '../store/paths.js';
import { writeFileAtomic, writeSecretAtomic, ensureDir } from '../util/fs-atomic.js';
import { buildCsr } from './build.js';
import { dcvData, type DcvData } from './dcv.js';
import { generatePrivateKey, keyTypeOf, privateKeyToPem, type KeyType } from './keygen.js';
import { normalizeName } from './names.js';
import { checkCsrRules, type CsrSubject } from './rules.js';

export type Product = 'dv' | 'ov' | 'ev' | 'wildcard';

export interface CsrOrderInput {
  names: string[];
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  locality?: string;
  state?: string;
  country?: string;
  emailAddress?: string;
  keyFile?: string;
  keyPassphrase?: string;
  keyType?: KeyType;
  outDir: string;
  lineageName?: string;
  product?: Product;
  force?: boolean;
  /** the certificate is for an internal CA: internal names and reserved addresses are allowed */
  privateCa?: boolean;
}

export interface CsrOrderPlan {
  names: string[];
  notes: string[];
  subject: CsrSubject;
  key: KeyObject;
  keyGenerated: boolean;
}

export interface CsrOrderResult {
  name: string;
  keyFile: string | null;
  csrFile: string;
  csrPem: string;
  names: string[];
  subject: CsrSubject;
  keyType: string;
  notes: string[];
  /** a public CA's domain-control data; null for a private CA, which has no such step */
  dcv: DcvData | null;
  pendingLineage: string | null;
  /** the id of the pending order recorded in the store (null with --no-pending) */
  orderId: string | null;
}

/** Validates and prepares everything; writes nothing. */
export async function planCsrOrder(input: CsrOrderInput): Promise<CsrOrderPlan> {
  // the lineage name becomes file names under --out-dir and the store: checked before anything else
  if (input.lineageName !== undefined) Store.checkName(input.lineageName);
  const notes: string[] = [];
  const names: string[] = [];
  // commas separate names; a space inside a name stays in it and is refused by the host name rules
  for (const raw of input.names
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter(Boolean)) {
    const n = normalizeName(raw);
    if (n.converted)
      notes.push(`"${n.input}" is an internationalised name: using its punycode form ${n.ascii}`);
    if (!names.includes(n.ascii)) names.push(n.ascii);
  }
  // the CN must be one of the names (BR 7.1.4.3): checkCsrRules refuses it otherwise, never adds it
  const cnInput = input.commonName ? normalizeName(input.commonName).ascii : (names[0] ?? '');
  let key: KeyObject;
  let keyGenerated = false;
  if (input.keyFile) {
    const m = await readMaterial(readRegularFileSync(input.keyFile, 'key'), input.keyFile, {
      password: input.keyPassphrase,
    });
    const k = m.keys[0];
    if (!k) throw new CertkitError('input', `${input.keyFile}: holds no private key`);
    if (!k.keyObject)
      throw new CertkitError(
        'input',
        `${input.keyFile}: the key is encrypted`,
        'give its passphrase with --passphrase-file or CERTKIT_PASSPHRASE',
      );
    key = k.keyObject;
  } else {
    key = await generatePrivateKey(input.keyType ?? 'ecdsa-p256');
    keyGenerated = true;
  }
  const subject: CsrSubject = {
    commonName: cnInput,
    organization: input.organization || undefined,
    organizationalUnit: input.organizationalUnit || undefined,
    locality: input.locality || undefined,
    state: input.state || undefined,
    country: input.country ? input.country.toUpperCase() : undefined,
    emailAddress: input.emailAddress || undefined,
  };
  const violations = checkCsrRules({ names, subject, key: keyFacts(key), privateCa: input.privateCa });
  if (input.product === 'wildcard' && !names.some((n) => n.startsWith('*.'))) {
    violations.push({
      rule: 'wildcard order',
      message: 'a wildcard order needs a name of the form *.example.com',
    });
  }
  if (
    (input.product === 'ov' || input.product === 'ev') &&
    (!subject.organization || !subject.locality || !subject.country)
  ) {
    violations.push({
      rule: 'BR 7.1.4.2.2 OV/EV subject',
      message: 'OV and EV orders need --org, --locality and --country (and usually --state)',
    });
  }
  if (violations.length) throw new RuleViolationError(violations, 'nothing was written');
  return { names, notes, subject, key, keyGenerated };
}

export async function writeCsrOrder(
  input: CsrOrderInput,
  plan: CsrOrderPlan,
  store: Store | null,
): Promise<CsrOrderResult> {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- at least one name is required and checked before this point
  const name = input.lineageName ?? lineageNameFor(plan.names[0]!);
  const base = name.replace(/^\*\./, 'wildcard.');
  const keyFile = plan.keyGenerated ? join(input.outDir, `${base}.key`) : null;
  const csrFile = join(input.outDir, `${base}.csr`);
  for (const f of [keyFile, csrFile]) {
    if (f && existsSync(f) && !input.force) {
      throw new CertkitError(
        'input',
        `${f} already exists`,
        'choose another --out-dir, or --force to replace it',
      );
    }
  }
  const csr = await buildCsr(plan.key, plan.subject, plan.names);
  const keyPem = privateKeyToPem(plan.key);
  const writeFiles = async () => {
    await ensureDir(input.outDir, 0o755);
    if (keyFile) await writeSecretAtomic(keyFile, keyPem);
    await writeFileAtomic(csrFile, csr.pem, 0o644);
  };
  let pendingLineage: string | null = null;
  let orderId: string | null = null;
  if (!store) await writeFiles();
  else {
    // a new order never replaces an earlier one: each keeps its key until its certificate is imported.
    // The store lock comes first: a store certkit cannot write fails before any key or CSR is written.
    await store.locked(async () => {
      await writeFiles();
      const existing = await store.readSettings(name);
      const now = new Date();
      const order = await savePendingOrder(
        store,
        name,
        {
          keyPem,
          csrPem: csr.pem,
          names: plan.names,
          publicKeyId: publicKeyId(plan.key),
          product: input.product,
        },
        now,
      );
      const hasCertificate = existing !== null && existing.source !== 'pending-csr';
      await store.writeSettings({
        schemaVersion: 1,
        ...(existing ?? {}),
        name,
        source: hasCertificate ? existing.source : 'pending-csr',
        // a lineage with a certificate keeps its names until the new one is imported
        domains: hasCertificate && existing.domains.length ? existing.domains : plan.names,
        createdAt: existing?.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
        keyType: hasCertificate ? existing.keyType : keyTypeOf(plan.key),
        pending: undefined,
        pendingOrders: [...pendingOrdersOf(existing), order],
      });
      orderId = order.id;
    });
    pendingLineage = name;
  }
  return {
    name,
    keyFile,
    csrFile,
    csrPem: csr.pem,
    names: plan.names,
    subject: plan.subject,
    keyType: keyTypeOf(plan.key),
    notes: plan.notes,
    dcv: input.privateCa ? null : dcvData(csr.der, plan.names),
    pendingLineage,
    orderId,
  };
}
