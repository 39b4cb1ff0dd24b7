/**
 * The temporary Apache conf that maps /.well-known/acme-challenge/ to a directory certkit owns (pure):
 * which included directory it goes into, and its text.
 */
import { dirname, isAbsolute, join } from 'node:path';
import type { ApacheConfig } from '../../deploy/apache/config.js';
import { is } from '../../deploy/apache/parser.js';

export const ALIAS_CONF_NAME = 'certkit-acme-challenge.conf';
export const ALIAS_MARKER = '# certkit: temporary ACME http-01 route';

/**
 * A directory the main configuration includes at server level with a `*.conf` glob (Debian conf-enabled,
 * RHEL conf.d, Gentoo modules.d ...), so a file dropped there is read on the next reload. null if none.
 */
export function aliasConfDir(cfg: ApacheConfig): string | null {
  const main = cfg.files.get(cfg.mainFile) ?? [...cfg.files.values()][0];
  if (!main) return null;
  const globs: string[] = [];
  for (const n of main.nodes) {
    if (n.kind !== 'directive' || !(is(n, 'Include') || is(n, 'IncludeOptional'))) continue;
    const pattern = (n.args[0] ?? '').replace(/\$\{([A-Za-z_]\w*)\}/g, (_, v: string) => cfg.env[v] ?? '');
    if (!/\/\*\.conf$/.test(pattern)) continue;
    globs.push(dirname(isAbsolute(pattern) ? pattern : join(cfg.serverRoot, pattern)));
  }
  // Debian conf-enabled, RHEL conf.d (not conf.modules.d), Gentoo modules.d; then anything but the vhost dirs
  for (const re of [/\/conf-enabled$/, /\/conf\.d$/, /\/modules\.d$/, /^(?!.*(sites-|vhosts)).*$/]) {
    const hit = globs.find((d) => re.test(d));
    if (hit) return hit;
  }
  return globs[0] ?? null;
}

export function aliasConfText(challengeDir: string): string {
  return [
    ALIAS_MARKER,
    '# Written by `certkit request`/`renew` while the CA validates; removed again right after.',
    `Alias /.well-known/acme-challenge/ "${challengeDir}/"`,
    `<Directory "${challengeDir}/">`,
    '    Options None',
    '    AllowOverride None',
    '    Require all granted',
    '</Directory>',
    '',
  ].join('\n');
}
