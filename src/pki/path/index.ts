export { validatePath, DEFAULT_LIMITS } from './validate.js';
export { prepareAnchors, certInfo } from './anchors.js';
export { describe, parseCertificate, type CertInfo } from './cert.js';
export { parseCrl, type Crl } from './crl.js';
export { peerName, ipBytes, normaliseDnsName } from './hostname.js';
export type * from './types.js';
