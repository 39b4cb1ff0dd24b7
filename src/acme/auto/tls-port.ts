/** Settings of the automatic Apache install after an automatic Apache challenge (pure, from the tree). */
import type { ApacheConfig } from '../../deploy/apache/config.js';

/**
 * The port the server is already set up to speak TLS on: a `Listen ... https`, a Listen waiting inside
 * <IfModule ssl_module> (Debian's ports.conf), or an SSL vhost's port; 443 when the tree names none.
 */
export function tlsPortFromTree(cfg: ApacheConfig, httpPort: number): number {
  const ports: number[] = [];
  const portOf = (spec: string) => Number(/(\d+)$/.exec(spec)?.[1] ?? NaN);
  for (const f of cfg.files.values()) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    for (const m of f.text.matchAll(/^\s*Listen\s+(\S+)\s+https\s*$/gim)) ports.push(portOf(m[1]!));
    for (const block of f.text.matchAll(/<IfModule\s+(?:ssl_module|mod_ssl\.c)\s*>([\s\S]*?)<\/IfModule>/gi))
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture groups of successful matches
      for (const m of block[1]!.matchAll(/^\s*Listen\s+(\S+)/gim)) ports.push(portOf(m[1]!));
  }
  for (const v of cfg.vhosts) if (v.ssl) for (const a of v.addresses) ports.push(a.port);
  return ports.find((p) => Number.isInteger(p) && p > 0 && p !== httpPort) ?? 443;
}
