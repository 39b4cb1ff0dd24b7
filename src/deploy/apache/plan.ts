/**
 * Plans an Apache install as a pure function of a snapshot (see ../snapshot.ts): `discoverApache` reads the
 * tree and every path the plan may touch once; `planApacheInstall` evaluates the tree from that snapshot and
 * returns every effect (writes keeping the edited files' mode/owner, new directories, links, the reload and
 * the verifications).
 * TLS vhost created from the HTTP vhost or updated in place; redirect in the port-80 vhost; modules and
 * Listen; the TLS profile as one managed snippet. Managed text sits between "# BEGIN certkit X" and
 * "# END certkit X" lines and is regenerated each run, so a second run changes nothing.
 */
import { basename, dirname, join, relative } from 'node:path';
import { CertkitError } from '../../errors.js';
import type { Effect, Plan } from '../engine.js';
import { discoverPaths, frozenView, liveView, textOf, type FsView, type Snapshot } from '../snapshot.js';
import { loadApacheConfig, vhostNames, vhostServes, type ApacheConfig, type Vhost } from './config.js';
import { childIndent, makeText, parseApache, printApache, type BlockNode, type ConfNode } from './parser.js';
import { HSTS_HEADER, tlsProfileSnippet, type TlsProfile } from './profiles.js';

export interface ApachePlanOptions {
  lineage: string;
  names: string[];
  fullchainPath: string;
  keyPath: string;
  vhost?: string;
  redirect: boolean;
  hsts: boolean;
  tls: TlsProfile;
  basicAuth?: { htpasswd: string; path: string };
  tlsPort: number;
  ocspStapling: boolean;
  /** SHA-256 fingerprint of the certificate being installed (what verification expects) */
  fingerprint: string;
  /** Apache >= 2.4.60 knows (and needs) the UnsafeAllow3F rewrite flag */
  unsafeAllow3F: boolean;
}

const BEGIN = (tag: string) => `# BEGIN certkit ${tag}`;
const END = (tag: string) => `# END certkit ${tag}`;

/** Removes a managed block (the text nodes between its markers) from a node list. */
export function stripManaged(nodes: ConfNode[], tag: string): ConfNode[] {
  const out: ConfNode[] = [];
  let inside = false;
  for (const n of nodes) {
    const raw = n.kind === 'block' ? n.openRaw : n.raw;
    if (n.kind === 'text' && raw.trim() === BEGIN(tag)) inside = true;
    else if (n.kind === 'text' && raw.trim() === END(tag)) inside = false;
    else if (!inside) out.push(n);
  }
  return out;
}

function managed(tag: string, lines: string[], indent: string): ConfNode[] {
  return [makeText([BEGIN(tag), ...lines, END(tag)], indent)];
}

function redirectLines(o: ApachePlanOptions): string[] {
  const port = o.tlsPort === 443 ? '' : `:${o.tlsPort}`;
  return [
    'RewriteEngine on',
    'RewriteCond %{REQUEST_URI} !^/\\.well-known/acme-challenge/',
    'RewriteCond %{THE_REQUEST} ^\\S+\\s+(/\\S*)',
    `RewriteRule ^ https://%{SERVER_NAME}${port}%1 [R=301,NE,L${o.unsafeAllow3F ? ',UnsafeAllow3F' : ''}]`,
  ];
}

function tlsLines(o: ApachePlanOptions, profileFile: string): string[] {
  const lines = [
    'SSLEngine on',
    `SSLCertificateFile ${o.fullchainPath}`,
    `SSLCertificateKeyFile ${o.keyPath}`,
    `Include ${profileFile}`,
  ];
  if (o.ocspStapling) lines.push('SSLUseStapling on');
  if (o.hsts) lines.push(`Header always set Strict-Transport-Security "${HSTS_HEADER}"`);
  if (o.basicAuth) {
    lines.push(
      `<Location "${o.basicAuth.path}">`,
      '    AuthType Basic',
      '    AuthName "Restricted"',
      `    AuthUserFile "${o.basicAuth.htpasswd}"`,
      '    Require valid-user',
      '</Location>',
      '<LocationMatch "^/\\.well-known/(acme-challenge|pki-validation)/">',
      '    Require all granted',
      '</LocationMatch>',
    );
  }
  return lines;
}

/** Inserts nodes before the block's closing line, after any trailing blank lines' start. */
function appendToBlock(block: BlockNode, nodes: ConfNode[]): void {
  block.children.push(...nodes);
}

const SSL_KEYS = ['sslengine', 'sslcertificatefile', 'sslcertificatekeyfile', 'sslcertificatechainfile'];
const REDIRECT_KEYS = [
  'rewriteengine',
  'rewritecond',
  'rewriterule',
  'redirect',
  'redirectmatch',
  'redirectpermanent',
];

function findBlockInFile(nodes: ConfNode[], target: BlockNode): BlockNode | undefined {
  for (const n of nodes) {
    if (n.kind !== 'block') continue;
    if (n.openRaw === target.openRaw && printApache(n.children) === printApache(target.children)) return n;
    const inner = findBlockInFile(n.children, target);
    if (inner) return inner;
  }
  return undefined;
}

interface Editing {
  path: string;
  before: string;
  nodes: ConfNode[];
}

export function pickVhosts(cfg: ApacheConfig, o: ApachePlanOptions): { http: Vhost[]; tls: Vhost[] } {
  const wanted = o.vhost ? [o.vhost.toLowerCase()] : o.names.map((n) => n.toLowerCase());
  const serving = cfg.vhosts.filter((v) => wanted.some((n) => vhostServes(v, n)));
  if (serving.length === 0) {
    const known = cfg.vhosts
      .map((v) => `${vhostNames(v).join(',') || '(no name)'} ${v.block.args.join(' ')}`)
      .join('; ');
    throw new CertkitError(
      'not-found',
      `no virtual host serves ${wanted.join(', ')}`,
      known
        ? `found: ${known} (see certkit install apache --list)`
        : 'the configuration has no <VirtualHost>',
    );
  }
  return {
    http: serving.filter((v) => !v.ssl && !v.addresses.some((a) => a.port === o.tlsPort)),
    tls: serving.filter((v) => v.ssl || v.addresses.some((a) => a.port === o.tlsPort)),
  };
}

function enableDebianModule(
  cfg: ApacheConfig,
  view: FsView,
  mod: string,
  effects: Effect[],
  seen = new Set<string>(),
): void {
  if (seen.has(mod)) return;
  seen.add(mod);
  const avail = join(cfg.serverRoot, 'mods-available');
  const load = join(avail, `${mod}.load`);
  const loadText = textOf(view.state(load));
  if (loadText === null)
    throw new CertkitError('environment', `Apache module ${mod} is not installed (${load} missing)`);
  const deps = /#\s*Depends:\s*(.*)/.exec(loadText)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
  for (const d of deps) enableDebianModule(cfg, view, d, effects, seen);
  for (const ext of ['load', 'conf']) {
    const src = join(avail, `${mod}.${ext}`);
    const link = join(cfg.serverRoot, 'mods-enabled', `${mod}.${ext}`);
    if (!view.state(src).exists || view.state(link).exists) continue;
    effects.push({ kind: 'link', path: link, target: relative(dirname(link), src) });
  }
}

function moduleLoadPath(cfg: ApacheConfig, mod: string): string {
  for (const f of cfg.files.values()) {
    const m = /^\s*LoadModule\s+\S+\s+(\S*\/)mod_\w+\.so/m.exec(f.text);
    if (m) return `${m[1]}mod_${mod}.so`;
  }
  return `modules/mod_${mod}.so`;
}

function collectListens(cfg: ApacheConfig): { host: string; port: number }[] {
  // Listen lines in effect, plus those waiting inside <IfModule ssl_module> (in effect once ssl is on)
  const out = [...cfg.listens];
  for (const f of cfg.files.values()) {
    const re = /<IfModule\s+(?:ssl_module|mod_ssl\.c)\s*>([\s\S]*?)<\/IfModule>/gi;
    let m;
    while ((m = re.exec(f.text))) {
      for (const l of m[1]!.matchAll(/^\s*Listen\s+(\S+)/gim)) {
        const spec = l[1]!;
        const port = Number(spec.split(':').pop());
        out.push({ host: spec.includes(':') ? spec.slice(0, spec.lastIndexOf(':')) : '*', port });
      }
    }
  }
  return out;
}

/** Paths a plan for this lineage may create or edit besides the loaded config files. */
function candidatePaths(cfg: ApacheConfig, lineage: string): string[] {
  const root = cfg.serverRoot;
  const own = `certkit-${lineage}-ssl.conf`;
  const paths = [
    join(root, 'certkit', 'tls-intermediate.conf'),
    join(root, 'certkit', 'tls-modern.conf'),
    join(root, 'certkit', 'modules.conf'),
    join(root, 'certkit', 'stapling.conf'),
    join(root, 'sites-available', own),
    join(root, 'sites-enabled', own),
    join(root, 'conf.d', own),
    join(root, 'conf.modules.d', '00-certkit.conf'),
    ...cfg.vhosts.map((v) => join(dirname(v.file), own)),
  ];
  if (cfg.layout === 'debian') {
    // every module's .load/.conf, available and enabled (present or not: a plan may link any of them)
    for (const e of cfg.view.state(join(root, 'mods-available')).entries ?? []) {
      const mod = e.replace(/\.(load|conf)$/, '');
      for (const dir of ['mods-available', 'mods-enabled'])
        for (const ext of ['load', 'conf']) paths.push(join(root, dir, `${mod}.${ext}`));
    }
  }
  return paths;
}

export interface ApacheDiscovery {
  serverRoot: string;
  snapshot: Snapshot;
}

/** Reads the tree and every path an install of this lineage may touch, once. */
export function discoverApache(serverRoot: string, lineage: string): ApacheDiscovery {
  const snapshot: Snapshot = new Map();
  const view = liveView(snapshot);
  const cfg = loadApacheConfig(serverRoot, view);
  discoverPaths(view, candidatePaths(cfg, lineage));
  return { serverRoot, snapshot };
}

/** The tree as the snapshot shows it (pure). */
export function configOf(d: ApacheDiscovery): ApacheConfig {
  return loadApacheConfig(d.serverRoot, frozenView(d.snapshot));
}

const connectHost = (h: string) => (h === '*' || h === '_default_' || h === '' ? '127.0.0.1' : h);

export function planApacheInstall(d: ApacheDiscovery, o: ApachePlanOptions): Plan {
  const cfg = configOf(d);
  const view = cfg.view;
  const { http, tls } = pickVhosts(cfg, o);
  const notes: string[] = [];
  const effects: Effect[] = [];
  const editing = new Map<string, Editing>();
  const text = (path: string) => textOf(view.state(path));
  const edit = (path: string): Editing => {
    let e = editing.get(path);
    if (!e) {
      const before = cfg.files.get(path)?.text ?? text(path) ?? '';
      e = { path, before, nodes: parseApache(before) };
      editing.set(path, e);
    }
    return e;
  };
  const made = new Set<string>();
  const parents = (path: string) => {
    const missing: string[] = [];
    for (let p = dirname(path); !view.state(p).exists && !made.has(p); p = dirname(p)) missing.unshift(p);
    for (const p of missing) {
      made.add(p);
      effects.push({ kind: 'mkdir', path: p, mode: 0o755 });
    }
  };
  /** writes a config file: an existing one keeps its mode, owner and group; a new one is 0644 */
  const write = (path: string, content: string) => {
    const s = view.state(path);
    parents(path);
    effects.push(
      s.kind === 'file'
        ? { kind: 'write', path, content, mode: s.mode, uid: s.uid, gid: s.gid }
        : { kind: 'write', path, content, mode: 0o644 },
    );
  };
  const link = (path: string, target: string) => {
    parents(path);
    effects.push({ kind: 'link', path, target });
  };
  const profileFile = join(cfg.serverRoot, 'certkit', `tls-${o.tls}.conf`);
  write(profileFile, tlsProfileSnippet(o.tls));

  // 1. the TLS vhost: update in place, or create one from the HTTP vhost
  if (tls.length > 0) {
    for (const v of tls) {
      const e = edit(v.file);
      const block = findBlockInFile(e.nodes, v.block)!;
      block.children = stripManaged(block.children, 'tls').filter(
        (c) => !(c.kind === 'directive' && SSL_KEYS.includes(c.name.toLowerCase())),
      );
      appendToBlock(block, managed('tls', tlsLines(o, profileFile), childIndent(block)));
    }
  } else {
    const source = http[0]!;
    const host = source.addresses[0]?.host ?? '*';
    const addr = `${host.includes(':') ? `[${host}]` : host}:${o.tlsPort}`;
    const src = findBlockInFile(edit(source.file).nodes, source.block) ?? source.block;
    const indent = childIndent(src);
    const copied = stripManaged(stripManaged(src.children, 'redirect'), 'tls').filter(
      (c) => !(c.kind === 'directive' && [...REDIRECT_KEYS, ...SSL_KEYS].includes(c.name.toLowerCase())),
    );
    const body = printApache(copied).replace(/\s*$/, '\n');
    const listenNeeded = !collectListens(cfg).some(
      (l) => l.port === o.tlsPort && (l.host === '*' || l.host === '' || l.host === host || host === '*'),
    );
    const header = [
      `# Managed by certkit for lineage "${o.lineage}" (certkit install apache --name ${o.lineage}).`,
      `# Copied from the vhost in ${source.file}.`,
    ];
    const listen = listenNeeded
      ? [`Listen ${host === '*' ? '' : `${host.includes(':') ? `[${host}]` : host}:`}${o.tlsPort}`]
      : [];
    const blockText = `<VirtualHost ${addr}>\n${body}${BEGIN('tls')}\n`.replace(
      BEGIN('tls'),
      `${indent}${BEGIN('tls')}`,
    );
    const tlsText =
      tlsLines(o, profileFile)
        .map((l) => `${indent}${l}\n`)
        .join('') + `${indent}${END('tls')}\n</VirtualHost>\n`;
    const siteText = [...header, ...listen, ''].join('\n') + blockText + tlsText;
    let path: string;
    if (cfg.layout === 'debian') {
      path = join(cfg.serverRoot, 'sites-available', `certkit-${o.lineage}-ssl.conf`);
      const linkPath = join(cfg.serverRoot, 'sites-enabled', basename(path));
      if (!view.state(linkPath).exists) link(linkPath, relative(dirname(linkPath), path));
    } else if (cfg.layout === 'rhel') path = join(cfg.serverRoot, 'conf.d', `certkit-${o.lineage}-ssl.conf`);
    else path = join(dirname(source.file), `certkit-${o.lineage}-ssl.conf`);
    const existed = view.state(path).exists;
    write(path, siteText);
    if (cfg.layout === 'other' && !existed) {
      const main = edit(cfg.mainFile);
      if (!main.before.includes(path)) main.nodes.push(makeText([`IncludeOptional ${path}`], ''));
    }
    notes.push(`new TLS virtual host ${addr} in ${path}`);
  }

  // 2. the redirect (or its removal) in every HTTP vhost serving the names
  for (const v of http) {
    const e = edit(v.file);
    const block = findBlockInFile(e.nodes, v.block)!;
    block.children = stripManaged(block.children, 'redirect');
    if (o.redirect) appendToBlock(block, managed('redirect', redirectLines(o), childIndent(block)));
  }

  // 3. modules the layout's way
  const mods = [
    'ssl',
    'socache_shmcb',
    ...(o.redirect ? ['rewrite'] : []),
    ...(o.hsts ? ['headers'] : []),
    ...(o.basicAuth ? ['auth_basic', 'authn_file', 'authn_core', 'authz_user'] : []),
  ];
  const missing = mods.filter((m) => !cfg.modules.has(`${m}_module`));
  if (cfg.layout === 'debian') {
    const linkEffects: Effect[] = [];
    for (const m of missing) enableDebianModule(cfg, view, m, linkEffects);
    for (const e of linkEffects) if (e.kind === 'link') link(e.path, e.target);
  } else if (missing.length) {
    const modFile =
      cfg.layout === 'rhel'
        ? join(cfg.serverRoot, 'conf.modules.d', '00-certkit.conf')
        : join(cfg.serverRoot, 'certkit', 'modules.conf');
    const before = text(modFile);
    const lines = new Set((before ?? '').split('\n').filter(Boolean));
    for (const m of missing) lines.add(`LoadModule ${m}_module ${moduleLoadPath(cfg, m)}`);
    write(modFile, [...lines].join('\n') + '\n');
    if (cfg.layout !== 'rhel') {
      const main = edit(cfg.mainFile);
      if (!main.before.includes(modFile)) main.nodes.unshift(makeText([`Include ${modFile}`], ''));
    }
  }

  // 4. OCSP stapling needs a server-wide cache
  const stapleFile = join(cfg.serverRoot, 'certkit', 'stapling.conf');
  if (o.ocspStapling) {
    write(
      stapleFile,
      '# Managed by certkit\nSSLStaplingCache shmcb:${APACHE_RUN_DIR}/certkit_stapling(32768)\n'.replace(
        '${APACHE_RUN_DIR}',
        cfg.env.APACHE_RUN_DIR ?? 'logs',
      ),
    );
    const main = edit(cfg.mainFile);
    if (!main.before.includes(stapleFile)) main.nodes.push(makeText([`IncludeOptional ${stapleFile}`], ''));
  }

  for (const e of editing.values()) write(e.path, printApache(e.nodes));

  // 5. reload (a restart when stapling goes away: graceful then kills httpd, AH01872) and verification
  const stoppingStapling = [...editing.values()].some(
    (e) => /SSLUseStapling on/.test(e.before) && !/SSLUseStapling on/.test(printApache(e.nodes)),
  );
  effects.push({ kind: 'reload', what: stoppingStapling ? 'restart' : 'graceful' });
  const name = o.vhost ?? o.names.find((n) => !n.startsWith('*.')) ?? o.names[0]!.replace(/^\*\./, 'www.');
  const host = connectHost(http[0]?.addresses[0]?.host ?? tls[0]?.addresses[0]?.host ?? '127.0.0.1');
  effects.push({ kind: 'verify', host, port: o.tlsPort, name, fingerprint: o.fingerprint });
  return { target: 'apache', snapshot: d.snapshot, effects: lastWriteWins(effects), notes };
}

/** One write per path (the last), kept at the position of the first. */
function lastWriteWins(effects: Effect[]): Effect[] {
  const last = new Map<string, Effect>();
  for (const e of effects) if (e.kind === 'write') last.set(e.path, e);
  const seen = new Set<string>();
  const out: Effect[] = [];
  for (const e of effects) {
    if (e.kind !== 'write') out.push(e);
    else if (!seen.has(e.path)) {
      seen.add(e.path);
      out.push(last.get(e.path)!);
    }
  }
  return out;
}
