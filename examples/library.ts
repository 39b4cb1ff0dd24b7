// Request a certificate and install it into Apache from TypeScript: certkit as a library.
// Run it yourself with your own names, web root and Apache (the test suite runs it against a local CA).
import { installApache, requestCertificate } from 'certkit';

export async function main(o: { domain: string; webroot: string; server: string; storeRoot: string; apacheRoot: string; tlsPort?: number }) {
  const cert = await requestCertificate({
    domains: [o.domain],
    server: o.server, // 'letsencrypt' in real life
    agreeTos: true,
    challenge: { type: 'webroot', webroot: o.webroot },
    storeRoot: o.storeRoot,
  });
  const live = (file: 'fullchain.pem' | 'privkey.pem') => cert.store.livePath(cert.lineage, file);
  const installed = await installApache({
    lineage: cert.lineage,
    names: cert.names,
    fullchainPath: live('fullchain.pem'),
    keyPath: live('privkey.pem'),
    serverRoot: o.apacheRoot,
    tlsPort: o.tlsPort ?? 443,
  });
  return { notAfter: cert.notAfter, served: installed.verified?.tls, redirect: installed.verified?.redirect };
}
