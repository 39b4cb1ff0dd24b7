/** Apache's sites as the audit needs them, from certkit's Apache discovery of a server root. */
import { existsSync } from 'node:fs';
import { loadApacheConfig, vhostNames, type Vhost } from '../deploy/apache/config.js';
import type { BlockNode, ConfNode } from '../deploy/apache/parser.js';
import type { ApacheSite } from './origins.js';

const ADMIN = /admin|phpmyadmin|a2billing|manager|webmin|cpanel/i;

/** 1-based line of a block's opening tag inside a lossless node list (null when not found). */
export function lineOfBlock(nodes: ConfNode[], target: BlockNode): number | null {
  let line = 1;
  const visit = (list: ConfNode[]): boolean => {
    for (const n of list) {
      if (n === target) return true;
      if (n.kind === 'block') {
        line += (n.openRaw.match(/\n/g) ?? []).length;
        if (visit(n.children)) return true;
        line += (n.closeRaw.match(/\n/g) ?? []).length;
      } else line += (n.raw.match(/\n/g) ?? []).length;
    }
    return false;
  };
  return visit(nodes) ? line : null;
}

function blocksWithin(nodes: ConfNode[]): BlockNode[] {
  const out: BlockNode[] = [];
  for (const n of nodes) {
    if (n.kind !== 'block') continue;
    out.push(n, ...blocksWithin(n.children));
  }
  return out;
}

const requiresAuth = (b: BlockNode) =>
  b.children.some(
    (c) =>
      c.kind === 'directive' &&
      ((c.name.toLowerCase() === 'require' && /valid-user|^user$|^group$/i.test(c.args[0] ?? '')) ||
        c.name.toLowerCase() === 'authtype'),
  );

export function describeSite(v: Vhost, fileNodes: ConfNode[]): ApacheSite {
  const blocks = blocksWithin(v.block.children);
  const paths = (b: BlockNode) =>
    ['location', 'locationmatch'].includes(b.name.toLowerCase()) ? (b.args[0] ?? '') : null;
  const authPaths = blocks
    .filter(requiresAuth)
    .map((b) => paths(b) ?? '/')
    .filter(Boolean);
  if (requiresAuth(v.block)) authPaths.push('/');
  const adminPaths = new Set<string>();
  for (const b of blocks) {
    const p = paths(b);
    if (p && ADMIN.test(p)) adminPaths.add(p);
  }
  for (const c of v.block.children)
    if (
      c.kind === 'directive' &&
      /^(alias|scriptalias|proxypass)$/i.test(c.name) &&
      ADMIN.test(c.args[0] ?? '')
    )
      adminPaths.add(c.args[0] ?? '');
  return {
    file: v.file,
    line: lineOfBlock(fileNodes, v.block) ?? 0,
    names: vhostNames(v),
    addresses: v.addresses,
    ssl: v.ssl,
    authPaths,
    adminPaths: [...adminPaths],
  };
}

/** The sites of the Apache tree at serverRoot (default: the system's, when there is one). */
export function apacheSites(serverRoot?: string): ApacheSite[] {
  const root = serverRoot ?? ['/etc/apache2', '/etc/httpd'].find((d) => existsSync(d));
  if (!root) return [];
  const cfg = loadApacheConfig(root);
  return cfg.vhosts.map((v) => describeSite(v, cfg.files.get(v.file)?.nodes ?? []));
}
