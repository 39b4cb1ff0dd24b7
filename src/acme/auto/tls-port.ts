/** Settings of the automatic Apache install after an automatic Apache challenge (pure, from the tree). */
import type { ApacheConfig } from '../../deploy/apache/config.js';
import { declaredTlsPort } from '../../deploy/apache/plan.js';

/**
 * The port the server is already set up to speak TLS on: the TLS Listen the tree declares (`Listen ... https`,
 * a Listen waiting inside <IfModule ssl_module> as in Debian's ports.conf; the same reading `install apache`
 * makes), else an SSL vhost's port; 443 when the tree names none.
 */
export function tlsPortFromTree(cfg: ApacheConfig, httpPort: number): number {
  const sslVhostPort = cfg.vhosts
    .filter((v) => v.ssl)
    .flatMap((v) => v.addresses.map((a) => a.port))
    .find((p) => p > 0 && p !== httpPort);
  return declaredTlsPort(cfg, '*', [httpPort]) ?? sslVhostPort ?? 443;
}
