/**
 * Plans an Apache install as a pure function of a snapshot (see ../snapshot.ts).
 *
 * `discoverApache` reads the tree and every path the plan may touch, once. `planApacheInstall` evaluates the
 * tree as Apache will see it AFTER the change (the modules the plan loads count as loaded: <IfModule mod_ssl.c>
 * wakes up, <IfModule !mod_ssl.c> goes dark — both reported), then:
 * - one HTTPS twin per site serving the certificate's names: a copy of the HTTP vhost (DocumentRoot,
 *   Directory blocks, its own Rewrite/Redirect/Proxy rules — only a rule that itself redirects to https://
 *   stays on the HTTP side) with the names the certificate covers; an existing TLS vhost is updated in place;
 * - the HTTP→HTTPS redirect in each HTTP site, only for the names the certificate covers;
 * - modules, Listen, the TLS profile snippet, stapling cache, the layout's way;
 * - a reload, and a verification per installed name (TLS handshake with that SNI).
 * Managed text sits between "# BEGIN certkit X" and "# END certkit X" lines and is regenerated each run, so
 * a second run changes nothing. Edited files keep their mode, owner and group; new files are 0644.
 */
import { basename, dirname, join, relative } from 'node:path';
import { CertkitError } from '../../errors.js';
import type { Effect, Plan } from '../engine.js';
import { discoverPaths, frozenView, liveView, textOf, type FsView, type Snapshot } from '../snapshot.js';
import {
  loadApacheConfig,
  vhostLocation,
  vhostNames,
  vhostServes,
  type ApacheConfig,
  type EvaluateOptions,
  type Vhost,
} from './config.js';
import { layoutInputs } from './layouts.js';
import { childIndent, makeText, parseApache, printApache, type BlockNode, type ConfNode } from './parser.js';
import { HSTS_HEADER, tlsProfileSnippet, type TlsProfile } from './profiles.js';

export interface ApachePlanOptions {
  lineage: string;
  /** the certificate's names */
  names: string[];
  fullchainPath: string;
  keyPath: string;
  /** which site: a ServerName, an alias, FILE:LINE, or an address like *:80 */
  vhost?: string;
  redirect: boolean;
  hsts: boolean;
  tls: TlsProfile;
  basicAuth?: { htpasswd: string; path: string };
  tlsPort: number;
  ocspStapling: boolean;
  /** Apache >= 2.4.60 knows (and needs) the UnsafeAllow3F rewrite flag */
  unsafeAllow3F: boolean;
  /** SHA-256 fingerprint of the certificate being installed (what verification expects) */
  fingerprint: string;
}

/** One site the certificate serves: its HTTP vhost (if any), its TLS vhost, and the names installed. */
export interface PlannedSite {
  http: Vhost | null;
  /** existing TLS vhost updated in place, or null when a twin is created */
  tls: Vhost | null;
  /** names of this site the certificate covers (ServerName first) */
  names: string[];
  /** names of the HTTP vhost the certificate does not cover: not redirected */
  uncovered: string[];
  documentRoot: string | null;
  redirected: boolean;
}

export interface ApachePlan extends Plan {
  sites: PlannedSite[];
  /** vhosts that the module change turns on / off */
  woken: Vhost[];
  lost: Vhost[];
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

function hostRegex(names: string[]): string {
  return names
    .map((n) =>
      n
        .replace(/[.+^${}()|\\[\]]/g, '\\$&')
        .replace(/\*/g, '[^.]+')
        .replace(/\?/g, '.'),
    )
    .join('|');
}

function redirectLines(o: ApachePlanOptions, onlyFor: string[] | null): string[] {
  const port = o.tlsPort === 443 ? '' : `:${o.tlsPort}`;
  return [
    'RewriteEngine on',
    'RewriteCond %{REQUEST_URI} !^/\\.well-known/acme-challenge/',
    ...(onlyFor ? [`RewriteCond %{HTTP_HOST} ^(${hostRegex(onlyFor)})(:[0-9]+)?$ [NC]`] : []),
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

const SSL_KEYS = ['sslengine', 'sslcertificatefile', 'sslcertificatekeyfile', 'sslcertificatechainfile'];
const NAME_KEYS = ['servername', 'serveralias'];

/** A rule that itself sends the client to https:// belongs to the HTTP side only. */
function redirectsToHttps(n: ConfNode): boolean {
  if (n.kind !== 'directive') return false;
  const name = n.name.toLowerCase();
  if (name === 'rewriterule') return /^https:\/\//i.test(n.args[1] ?? '');
  if (
    name === 'redirect' ||
    name === 'redirectpermanent' ||
    name === 'redirectmatch' ||
    name === 'redirecttemporary'
  )
    return n.args.some((a) => /^https:\/\//i.test(a));
  return false;
}

/** The HTTP vhost's body for its HTTPS twin: everything but names, TLS settings, managed text and https redirects. */
function twinBody(children: ConfNode[]): ConfNode[] {
  const body = stripManaged(stripManaged(children, 'redirect'), 'tls');
  const out: ConfNode[] = [];
  let pendingConds: ConfNode[] = [];
  for (const n of body) {
    if (n.kind === 'directive' && n.name.toLowerCase() === 'rewritecond') {
      pendingConds.push(n);
      continue;
    }
    if (redirectsToHttps(n)) {
      pendingConds = []; // the conditions belong to the dropped rule
      continue;
    }
    out.push(...pendingConds);
    pendingConds = [];
    if (n.kind === 'directive' && [...SSL_KEYS, ...NAME_KEYS].includes(n.name.toLowerCase())) continue;
    out.push(n);
  }
  out.push(...pendingConds);
  return out;
}

/** Does the certificate (its names, wildcards included) cover this host name? */
export function certCovers(certNames: string[], name: string): boolean {
  const n = name.toLowerCase();
  return certNames.some((c) => {
    const cn = c.toLowerCase();
    if (cn === n) return true;
    return (
      cn.startsWith('*.') &&
      !n.startsWith('*.') &&
      n.split('.').slice(1).join('.') === cn.slice(2) &&
      !/[*?]/.test(n)
    );
  });
}

function isTlsVhost(v: Vhost, tlsPort: number): boolean {
  return v.ssl || v.addresses.some((a) => a.port === tlsPort || a.port === 443);
}

/** Resolves --vhost: a ServerName or alias, FILE:LINE, or an address like *:80; ambiguity is refused. */
export function selectVhosts(cfg: ApacheConfig, selector: string): Vhost[] {
  const live = cfg.vhosts;
  const sel = selector.trim();
  const describe = (v: Vhost) =>
    `${vhostLocation(v)} ${v.addressText.join(' ')} ${vhostNames(v).join(',') || '(no name)'}`;
  let found: Vhost[];
  const fileLine = /^(.+):(\d+)$/.exec(sel);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
  if (fileLine && /[/.]/.test(fileLine[1]!) && !/^[\d.*[\]:]+$/.test(fileLine[1]!)) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    const [file, line] = [fileLine[1]!, Number(fileLine[2])];
    const sameFile = (f: string) => f === file || f.endsWith(`/${file}`) || basename(f) === file;
    found = live.filter(
      (v) =>
        (v.line === line && (sameFile(v.includedAs) || sameFile(v.file))) ||
        (v.macro !== undefined && v.macro.line === line && sameFile(v.macro.file)),
    );
  } else if (/^(\*|_default_|\[[^\]]+\]|[\d.]+|[^:]+):(\d+|\*)$/.test(sel)) {
    found = live.filter((v) => v.addressText.some((a) => a.toLowerCase() === sel.toLowerCase()));
  } else {
    const exact = live.filter((v) => vhostNames(v).includes(sel.toLowerCase()));
    found = exact.length ? exact : live.filter((v) => vhostServes(v, sel));
  }
  if (found.length === 0)
    throw new CertkitError(
      'not-found',
      `no live virtual host matches --vhost ${selector}`,
      `give a ServerName, an alias, FILE:LINE or an address; vhosts: ${live.map(describe).join('; ') || 'none'}`,
    );
  // an address may name a TLS and a plain vhost; a name usually names exactly one site
  const plain = found.filter((v) => !v.ssl);
  if (plain.length > 1)
    throw new CertkitError(
      'usage',
      `--vhost ${selector} matches ${plain.length} virtual hosts`,
      `choose one by FILE:LINE: ${plain.map(describe).join('; ')}`,
    );
  return found;
}

/** certkit's twin file(s) for this lineage: regenerated each run, so neither a site nor a Listen to count. */
function ownTwinFiles(cfg: ApacheConfig, lineage: string): Set<string> {
  return new Set(
    [cfg.mainFile, ...cfg.allVhosts.map((v) => v.file)].map((f) => cfg.layoutSpec.siteFile(lineage, f).path),
  );
}

/**
 * The HTTPS port a site of this lineage already uses: certkit's own twin first, else a live TLS vhost serving
 * one of the names. A re-run without --tls-port keeps that port instead of moving the site to 443.
 */
export function existingTlsPort(cfg: ApacheConfig, lineage: string, names: string[]): number | undefined {
  const own = ownTwinFiles(cfg, lineage);
  const tls = cfg.vhosts.filter((v) => v.ssl);
  const site = tls.find((v) => own.has(v.file)) ?? tls.find((v) => names.some((n) => vhostServes(v, n)));
  return site?.addresses.find((a) => a.port)?.port;
}

/** Which sites the certificate serves and how (pure). */
export function planSites(cfg: ApacheConfig, o: ApachePlanOptions): PlannedSite[] {
  // certkit's own twin file for this lineage is regenerated from the HTTP sites, never a site itself
  const own = ownTwinFiles(cfg, o.lineage);
  const live = cfg.vhosts.filter((v) => !own.has(v.file));
  const chosen = (
    o.vhost ? selectVhosts(cfg, o.vhost) : live.filter((v) => o.names.some((n) => vhostServes(v, n)))
  ).filter((v) => !own.has(v.file));
  if (chosen.length === 0) {
    const known = live
      .map((v) => `${vhostNames(v).join(',') || '(no name)'} ${v.addressText.join(' ')}`)
      .join('; ');
    throw new CertkitError(
      'not-found',
      `no virtual host serves ${o.names.join(', ')}`,
      known
        ? `found: ${known} (see certkit install apache --list)`
        : 'the configuration has no live <VirtualHost>',
    );
  }
  const tlsVhosts = chosen.filter((v) => isTlsVhost(v, o.tlsPort));
  const httpVhosts = chosen.filter((v) => !isTlsVhost(v, o.tlsPort));
  const sites: PlannedSite[] = [];
  const usedTls = new Set<Vhost>();
  for (const h of httpVhosts) {
    const all = vhostNames(h);
    const covered =
      o.vhost && all.length === 0
        ? o.names.filter((n) => !n.startsWith('*.'))
        : all.filter((n) => certCovers(o.names, n));
    const names = covered.length ? covered : o.names.filter((n) => vhostServes(h, n));
    // an existing TLS vhost for the same site (same ServerName) is updated instead of adding a twin
    const tls =
      [...live].find(
        (v) =>
          isTlsVhost(v, o.tlsPort) &&
          !usedTls.has(v) &&
          h.serverName !== null &&
          v.serverName === h.serverName,
      ) ?? null;
    if (tls) usedTls.add(tls);
    sites.push({
      http: h,
      tls,
      names,
      uncovered: all.filter((n) => !certCovers(o.names, n)),
      documentRoot: h.documentRoot,
      redirected: o.redirect && !h.macro,
    });
  }
  for (const t of tlsVhosts) {
    if (usedTls.has(t)) continue;
    usedTls.add(t);
    const all = vhostNames(t);
    sites.push({
      http: null,
      tls: t,
      names: all.filter((n) => certCovers(o.names, n)).concat(all.length ? [] : o.names),
      uncovered: [],
      documentRoot: t.documentRoot,
      redirected: false,
    });
  }
  return sites;
}

function modulesNeeded(o: ApachePlanOptions): string[] {
  return [
    'ssl_module',
    'socache_shmcb_module',
    ...(o.redirect ? ['rewrite_module'] : []),
    ...(o.hsts ? ['headers_module'] : []),
    ...(o.basicAuth
      ? ['auth_basic_module', 'authn_file_module', 'authn_core_module', 'authz_user_module']
      : []),
  ];
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
    const m = /^\s*LoadModule\s+\S+\s+"?(\S*\/)mod_\w+\.so/m.exec(f.text);
    if (m) return `${m[1]}mod_${mod}.so`;
  }
  return `modules/mod_${mod}.so`;
}

/** Paths a plan for this lineage may create or edit besides the loaded config files. */
function candidatePaths(cfg: ApacheConfig, lineage: string): string[] {
  const root = cfg.serverRoot;
  const site = cfg.layoutSpec.siteFile(lineage, cfg.mainFile);
  const paths = [
    join(root, 'certkit', 'tls-intermediate.conf'),
    join(root, 'certkit', 'tls-modern.conf'),
    join(root, 'certkit', 'stapling.conf'),
    site.path,
    ...(site.enableLink ? [site.enableLink] : []),
    ...cfg.allVhosts.map((v) => cfg.layoutSpec.siteFile(lineage, v.file).path),
    ...(cfg.layoutSpec.modules.kind === 'file' ? [cfg.layoutSpec.modules.path] : []),
  ];
  if (cfg.layout === 'debian') {
    // the modules certkit may enable and everything they depend on: .load/.conf, available and enabled
    const seen = new Set<string>();
    const visit = (mod: string) => {
      if (seen.has(mod)) return;
      seen.add(mod);
      for (const dir of ['mods-available', 'mods-enabled'])
        for (const ext of ['load', 'conf']) paths.push(join(root, dir, `${mod}.${ext}`));
      const load = textOf(cfg.view.state(join(root, 'mods-available', `${mod}.load`))) ?? '';
      for (const d of /#\s*Depends:\s*(.*)/.exec(load)?.[1]?.split(/\s+/).filter(Boolean) ?? []) visit(d);
    };
    for (const m of ALL_MAYBE_MODULES) visit(m.replace(/_module$/, ''));
  }
  return paths;
}

export interface ApacheDiscovery {
  serverRoot: string;
  snapshot: Snapshot;
  /** the environment httpd gets (a parameter, so planning stays pure) */
  env: Record<string, string>;
}

/**
 * Reads the tree and every path an install of this lineage may touch, once. The tree is evaluated twice
 * (as it is, and with every module certkit may load), so files only included after the change are read too.
 */
export function discoverApache(
  serverRoot: string,
  lineage: string,
  env: Record<string, string> = {},
): ApacheDiscovery {
  const snapshot: Snapshot = new Map();
  const view = liveView(snapshot);
  discoverPaths(view, layoutInputs(serverRoot));
  for (const assume of [[], ALL_MAYBE_MODULES]) {
    const cfg = loadApacheConfig(serverRoot, view, { env, assumeModules: assume });
    discoverPaths(view, candidatePaths(cfg, lineage));
  }
  return { serverRoot, snapshot, env };
}

const ALL_MAYBE_MODULES = [
  'ssl_module',
  'socache_shmcb_module',
  'rewrite_module',
  'headers_module',
  'auth_basic_module',
  'authn_file_module',
  'authn_core_module',
  'authz_user_module',
];

/** The tree as the snapshot shows it (pure). */
export function configOf(d: ApacheDiscovery, options: EvaluateOptions = {}): ApacheConfig {
  return loadApacheConfig(d.serverRoot, frozenView(d.snapshot), { env: d.env, ...options });
}

const connectHost = (h: string) => (h === '*' || h === '_default_' || h === '' ? '127.0.0.1' : h);
const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);

export function planApacheInstall(d: ApacheDiscovery, o: ApachePlanOptions): ApachePlan {
  const before = configOf(d);
  const needed = modulesNeeded(o);
  const missing = needed.filter((m) => !before.modules.has(m));
  const cfg = configOf(d, { assumeModules: missing });
  const view = cfg.view;
  const notes: string[] = [];
  const effects: Effect[] = [];

  // what the module change does to the rest of the configuration
  const key = (v: Vhost) => `${vhostLocation(v)}#${v.line}`;
  const liveBefore = new Set(before.vhosts.map(key));
  const liveAfter = new Set(cfg.vhosts.map(key));
  const woken = cfg.vhosts.filter((v) => !liveBefore.has(key(v)));
  const lost = before.vhosts.filter((v) => !liveAfter.has(key(v)));
  const label = (v: Vhost) =>
    `${vhostNames(v).join(', ') || '(no name)'} ${v.addressText.join(' ')} at ${vhostLocation(v)}`;
  for (const v of woken)
    notes.push(
      `loading ${missing.join(', ')} turns ON the vhost ${label(v)} (it is inside a module condition)`,
    );
  const offAfter = new Map(cfg.allVhosts.map((v) => [key(v), v.offBecause]));
  for (const v of lost)
    notes.push(
      `loading ${missing.join(', ')} turns OFF the vhost ${label(v)} (${(offAfter.get(key(v)) ?? []).join(' ') || 'a module condition'})`,
    );
  const lostServing = lost.filter((v) => o.names.some((n) => vhostServes(v, n)));
  if (lostServing.length)
    throw new CertkitError(
      'input',
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- lostServing is non-empty (checked just above)
      `loading mod_ssl would switch off the vhost ${label(lostServing[0]!)}, which serves ${o.names.join(', ')}; certkit changed nothing`,
      'move that vhost out of its <IfModule !mod_ssl.c> block first',
    );
  for (const f of cfg.includedTwice) notes.push(`${f} is included twice (its vhosts are listed once)`);

  const sites = planSites(cfg, o);
  const editing = new Map<string, { before: string; nodes: ConfNode[] }>();
  const text = (path: string) => textOf(view.state(path));
  const edit = (path: string) => {
    let e = editing.get(path);
    if (!e) {
      const beforeText = cfg.files.get(path)?.text ?? text(path) ?? '';
      e = { before: beforeText, nodes: parseApache(beforeText) };
      editing.set(path, e);
    }
    return e;
  };
  /** the block of a vhost in the file being edited (the parse is redone, so locate by position) */
  const blockFor = (v: Vhost): BlockNode => {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every vhost comes from a parsed file of this config
    const original = cfg.files.get(v.file)!;
    const path = indexPath(original.nodes, v.block);
    return nodeAt(edit(v.file).nodes, path);
  };
  const made = new Set<string>();
  const parents = (path: string) => {
    const missingDirs: string[] = [];
    for (let p = dirname(path); !view.state(p).exists && !made.has(p); p = dirname(p)) missingDirs.unshift(p);
    for (const p of missingDirs) {
      made.add(p);
      effects.push({ kind: 'mkdir', path: p, mode: 0o755 });
    }
  };
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
  const includeFromMain = (path: string, top: boolean) => {
    const main = edit(view.real(cfg.mainFile));
    if (main.before.includes(path)) return;
    const line = makeText([`IncludeOptional ${path}`], '');
    if (top) main.nodes.unshift(line);
    else main.nodes.push(line);
  };

  const profileFile = join(cfg.serverRoot, 'certkit', `tls-${o.tls}.conf`);
  write(profileFile, tlsProfileSnippet(o.tls));

  // 1. TLS vhosts: update in place, or one twin per site
  const twins: string[] = [];
  let twinHost = '*';
  for (const s of sites) {
    if (s.tls) {
      if (s.tls.macro)
        throw new CertkitError(
          'input',
          `the TLS vhost ${label(s.tls)} is made by the macro ${s.tls.macro.name}; certkit changed nothing`,
          'set its certificate in the macro yourself, or give --vhost for another site',
        );
      const block = blockFor(s.tls);
      block.children = stripManaged(block.children, 'tls').filter(
        (c) => !(c.kind === 'directive' && SSL_KEYS.includes(c.name.toLowerCase())),
      );
      block.children.push(...managed('tls', tlsLines(o, profileFile), childIndent(block)));
      notes.push(`TLS vhost ${label(s.tls)} updated in place`);
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- sites without a TLS vhost (handled above) have an HTTP one
    const h = s.http!;
    const host = h.addresses[0]?.host ?? '*';
    twinHost = host;
    const addr = `${bracket(host === '_default_' ? '*' : host)}:${o.tlsPort}`;
    const src = h.macro ? h.block : blockFor(h);
    const indent = childIndent(src);
    const body = printApache(twinBody(src.children)).replace(/\s*$/, '\n');
    const [first, ...rest] = s.names;
    const nameLines = [
      `${indent}ServerName ${first}\n`,
      ...(rest.length ? [`${indent}ServerAlias ${rest.join(' ')}\n`] : []),
    ];
    const tls = tlsLines(o, profileFile)
      .map((l) => `${indent}${l}\n`)
      .join('');
    twins.push(
      [
        `# HTTPS twin of the vhost ${h.serverName ?? '(no name)'} in ${h.macro ? `${h.macro.file} (Use ${h.macro.name})` : h.includedAs}`,
        `<VirtualHost ${addr}>`,
        '',
      ].join('\n') +
        nameLines.join('') +
        body +
        `${indent}${BEGIN('tls')}\n${tls}${indent}${END('tls')}\n</VirtualHost>\n`,
    );
    notes.push(
      `new HTTPS vhost ${addr} for ${s.names.join(', ')} (a twin of ${vhostLocation(h)}, DocumentRoot ${s.documentRoot ?? 'inherited'})`,
    );
  }
  if (twins.length) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- twins are made only from sites with an HTTP vhost
    const site = cfg.layoutSpec.siteFile(o.lineage, sites.find((s) => s.http)!.http!.file);
    const own = ownTwinFiles(cfg, o.lineage);
    const listenNeeded = !cfg.listens.some(
      (l) =>
        l.live &&
        !own.has(view.real(l.file)) &&
        l.port === o.tlsPort &&
        (l.host === '*' || l.host === twinHost || twinHost === '*' || twinHost === '_default_'),
    );
    const listen = listenNeeded
      ? [`Listen ${twinHost === '*' || twinHost === '_default_' ? '' : `${bracket(twinHost)}:`}${o.tlsPort}`]
      : [];
    const header = [
      `# Managed by certkit for lineage "${o.lineage}" (certkit install apache --name ${o.lineage}).`,
      '# Regenerated from the HTTP sites on every run: change those (or certkit options), not this file.',
      ...listen,
      '',
    ];
    write(site.path, header.join('\n') + twins.join('\n'));
    if (site.enableLink && !view.state(site.enableLink).exists)
      link(site.enableLink, relative(dirname(site.enableLink), site.path));
    if (site.includeFromMain) includeFromMain(site.path, false);
  }

  // 2. the redirect (or its removal) in each HTTP site, only for the names the certificate covers
  for (const s of sites) {
    if (!s.http) continue;
    if (s.http.macro) {
      notes.push(
        `not redirected: ${label(s.http)} is made by the macro ${s.http.macro.name} (a redirect there would change every Use of it)`,
      );
      continue;
    }
    const block = blockFor(s.http);
    block.children = stripManaged(block.children, 'redirect');
    if (!o.redirect) continue;
    // a vhost without names (a port's default, chosen by --vhost) answers every name: redirect only the installed ones
    const onlyFor = s.uncovered.length || !vhostNames(s.http).length ? s.names : null;
    // before the site's own rewrite/redirect rules: a site rule with [L] or [PT] must not keep a URL on HTTP
    const first = block.children.findIndex((c) => c.kind !== 'text' && /^(rewrite|redirect)/i.test(c.name));
    const lines = managed('redirect', redirectLines(o, onlyFor), childIndent(block));
    if (first < 0) block.children.push(...lines);
    else block.children.splice(first, 0, ...lines);
    if (s.uncovered.length)
      notes.push(`not redirected (the certificate does not cover them): ${s.uncovered.join(', ')}`);
  }

  // 3. modules the layout's way
  if (missing.length) notes.push(`modules loaded: ${missing.join(', ')}`);
  const spec = cfg.layoutSpec.modules;
  if (spec.kind === 'a2enmod') {
    const links: Effect[] = [];
    const seen = new Set<string>();
    for (const m of missing) enableDebianModule(cfg, view, m.replace(/_module$/, ''), links, seen);
    for (const e of links) if (e.kind === 'link') link(e.path, e.target);
  } else if (missing.length) {
    const lines = new Set((text(spec.path) ?? '').split('\n').filter(Boolean));
    for (const m of missing) lines.add(`LoadModule ${m} ${moduleLoadPath(cfg, m.replace(/_module$/, ''))}`);
    write(spec.path, [...lines].join('\n') + '\n');
    // before everything else, so <IfModule mod_ssl.c> anywhere sees it (as the plan evaluated)
    if (spec.includeFromMain) includeFromMain(spec.path, true);
  }

  // 4. OCSP stapling needs a server-wide cache
  if (o.ocspStapling) {
    const stapleFile = join(cfg.serverRoot, 'certkit', 'stapling.conf');
    write(
      stapleFile,
      `# Managed by certkit\nSSLStaplingCache shmcb:${cfg.env.APACHE_RUN_DIR ?? 'logs'}/certkit_stapling(32768)\n`,
    );
    includeFromMain(stapleFile, false);
  }

  for (const [path, e] of editing) write(path, printApache(e.nodes));

  // 5. reload (a restart when stapling goes away: graceful then kills httpd, AH01872), then verify every name
  const stoppingStapling = [...editing.values()].some(
    (e) => /SSLUseStapling on/i.test(e.before) && !/SSLUseStapling on/i.test(printApache(e.nodes)),
  );
  effects.push({ kind: 'reload', what: stoppingStapling ? 'restart' : 'graceful' });
  const verified = new Set<string>();
  for (const s of sites) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a planned site has a TLS vhost, an HTTP vhost, or both
    const v = s.tls ?? s.http!;
    const host = connectHost(v.addresses[0]?.host ?? '127.0.0.1');
    for (const n of s.names.filter((x) => !/[*?]/.test(x))) {
      if (verified.has(`${host} ${n}`)) continue;
      verified.add(`${host} ${n}`);
      effects.push({ kind: 'verify', host, port: o.tlsPort, name: n, fingerprint: o.fingerprint });
    }
  }
  return {
    target: 'apache',
    snapshot: d.snapshot,
    effects: lastWriteWins(effects),
    notes,
    sites,
    woken,
    lost,
  };
}

function indexPath(nodes: ConfNode[], target: BlockNode): number[] {
  for (const [i, n] of nodes.entries()) {
    if (n === target) return [i];
    if (n.kind === 'block') {
      const inner = indexPath(n.children, target);
      if (inner.length) return [i, ...inner];
    }
  }
  return [];
}

function nodeAt(nodes: ConfNode[], path: number[]): BlockNode {
  let list = nodes;
  let node: ConfNode | undefined;
  for (const i of path) {
    node = list[i];
    if (!node || node.kind !== 'block') break;
    list = node.children;
  }
  if (!node || node.kind !== 'block') throw new Error('internal: the vhost block moved between two parses');
  return node;
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
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every written path was put in `last` by the loop above
      out.push(last.get(e.path)!);
    }
  }
  return out;
}
