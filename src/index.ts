/**
 * certkit as a library: everything the CLI does, callable from code. Nothing here prints or exits;
 * failures are CertkitError with a kind (see errors.ts).
 */
import { Store } from './store/store.js';
import { defaultStoreRoot, lineageNameFor } from './store/paths.js';
import { obtainForLineage, type ObtainResult } from './acme/obtain.js';
import { resolveServer } from './acme/servers.js';
import type { ChallengeSettings } from './acme/solvers/types.js';
import type { KeyType } from './csr/keygen.js';

export { CertkitError, EXIT_CODES, type ErrorKind } from './errors.js';
export { Store, defaultStoreRoot, lineageNameFor };
export { listLineages } from './store/list.js';
export {
  readMaterial,
  readMaterialFile,
  analyseChain,
  orderChain,
  certFacts,
  loadTrustStore,
  keyMatchesCertificate,
  validatePath,
  prepareAnchors,
} from './pki/index.js';
export { inspectPaths } from './pki/inspect.js';
export { generatePrivateKey, privateKeyToPem, KEY_TYPES, type KeyType } from './csr/keygen.js';
export { planCsrOrder, writeCsrOrder } from './csr/order.js';
export { checkCsrRules } from './csr/rules.js';
export { importCertificate } from './import/import.js';
export { renewAll } from './acme/renew.js';
export { revokeLineage } from './acme/revoke.js';
export { decideRenewal } from './acme/policy.js';
export { findSites, installApache, listVhosts } from './deploy/apache/install.js';
export { installAsterisk } from './deploy/asterisk/install.js';
export { runCheck } from './monitor/check.js';
export { parseTarget } from './monitor/targets.js';
export { renderPrometheus } from './monitor/report/prometheus.js';
export { renderHtml } from './monitor/report/html.js';
export { renderNagios } from './monitor/report/nagios.js';
export type { ChallengeSettings };

export interface RequestOptions {
  domains: string[];
  /** letsencrypt, letsencrypt-staging, zerossl, google, or a directory URL */
  server?: string;
  email?: string;
  /** you accept the CA's terms of service */
  agreeTos: true;
  challenge: ChallengeSettings;
  keyType?: KeyType;
  name?: string;
  storeRoot?: string;
  deployHook?: string;
  eab?: { kid: string; hmacKey: string };
  onStep?: (message: string) => void;
}

/** Obtain a certificate over ACME and make it a lineage in the store (the library form of `certkit request`). */
export async function requestCertificate(o: RequestOptions): Promise<ObtainResult & { store: Store }> {
  const store = new Store(o.storeRoot ?? defaultStoreRoot());
  const directoryUrl = resolveServer(o.server ?? 'letsencrypt');
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- callers pass at least one domain (obtainForLineage refuses none)
  const lineage = o.name ?? lineageNameFor(o.domains[0]!);
  const result = await obtainForLineage(store, {
    lineage,
    acme: {
      directoryUrl,
      email: o.email,
      challenge: o.challenge,
      keyType: o.keyType ?? 'ecdsa-p256',
      reuseKey: false,
      names: o.domains,
    },
    register: { agreeTos: o.agreeTos, email: o.email, eab: o.eab },
    deployHook: o.deployHook,
    io: { interactive: false, say: () => {}, waitEnter: async () => {} },
    onStep: o.onStep,
  });
  return { ...result, store };
}
