export * from './types.js';
export { readMaterial, readMaterialFile, type ReadOptions } from './read.js';
export { certFacts, keyFacts, isSelfSigned, notAfterOf, notBeforeOf, daysLeft, formatDn } from './facts.js';
export { orderChain, analyseChain, issued } from './chain.js';
export { loadTrustStore, buildTrustStore, type TrustStore } from './trust.js';
export { keyMatchesCertificate, publicKeyId, privateKeyPem } from './keys.js';
export { splitPem, toPem } from './pem.js';
export { csrFacts, type CsrFacts } from './csr-facts.js';
