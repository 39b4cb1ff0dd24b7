/**
 * Evaluates an Apache configuration the way httpd does, in order, from the main file: ServerRoot, Define and
 * ${VAR} (Defines first, then the environment), <IfDefine> against Define and the layout's -D flags, <IfModule>
 * against the modules loaded so far (plus those the plan WILL load: `assumeModules`), Include/IncludeOptional with
 * globs and paths relative to ServerRoot, files included twice, mod_macro's <Macro>/Use, and every <VirtualHost>
 * with the names it serves. Vhosts in branches that are off are listed too, marked not live.
 * Reads only through an FsView (the live disk while discovering, a snapshot while planning).
 */
import { isAbsolute, join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { liveView, textOf, type FsView, type Snapshot } from '../snapshot.js';
import { expandInclude } from './glob.js';
import { detectLayout, type Layout, type LayoutName } from './layouts.js';
import { ApacheSyntaxError, parseApache, type BlockNode, type ConfNode } from './parser.js';

export type { LayoutName };

export interface ConfigFile {
  path: string;
  text: string;
  nodes: ConfNode[];
}

export interface VhostAddress {
  host: string;
  port: number;
}

export interface Vhost {
  /** the real file holding the block: edits go there */
  file: string;
  /** the file as included: a sites-enabled symlink path stays as Apache names it in -S */
  includedAs: string;
  /** line of the <VirtualHost> in `file` (in a macro: in the macro's body, as Apache counts) */
  line: number;
  /** the block in the parsed source file (for a macro vhost: in the expanded text) */
  block: BlockNode;
  /** made by mod_macro: the macro and the Use line */
  macro?: { name: string; file: string; line: number };
  addresses: VhostAddress[];
  /** addresses as written (after ${VAR}) */
  addressText: string[];
  serverName: string | null;
  aliases: string[];
  ssl: boolean;
  documentRoot: string | null;
  /** Apache will serve it under the evaluated Defines and modules */
  live: boolean;
  /** the enclosing conditions that are off, e.g. "<IfModule !mod_ssl.c>" (empty when live) */
  offBecause: string[];
}

export interface Listen extends VhostAddress {
  protocol: string | null;
  /** a TLS listener: `Listen ... https`, a Listen inside <IfModule ssl_module|mod_ssl.c>, or port 443 (https by default) */
  tls: boolean;
  file: string;
  live: boolean;
}

export interface ApacheConfig {
  /** certkit's --server-root: the configuration directory */
  serverRoot: string;
  /** the ServerRoot Apache uses for relative paths (the directive, else the configuration directory) */
  httpdRoot: string;
  mainFile: string;
  layout: LayoutName;
  layoutSpec: Layout;
  files: Map<string, ConfigFile>;
  /** the vhosts Apache will serve, each once (a file included twice gives its vhosts once) */
  vhosts: Vhost[];
  /** every vhost, also those in branches that are off (not live) */
  allVhosts: Vhost[];
  listens: Listen[];
  /** modules loaded (live LoadModule lines, static modules, assumed ones) */
  modules: Set<string>;
  /** modules loaded by the tree itself, not assumed */
  loadedModules: Set<string>;
  defines: Map<string, string>;
  env: Record<string, string>;
  /** files included more than once */
  includedTwice: string[];
  /** the absolute patterns of the live Include/IncludeOptional lines (what a new file must match to be read) */
  liveIncludes: string[];
  view: FsView;
}

export interface EvaluateOptions {
  /** modules the plan will load: evaluated as loaded (`ssl_module`, ...) */
  assumeModules?: string[];
  /** extra -D flags */
  defines?: string[];
  /** the environment httpd gets besides the layout's (a parameter: never read from process.env here) */
  env?: Record<string, string>;
}

/** Compiled into Debian's and RHEL's httpd binaries. */
export const STATIC_MODULES = [
  'core_module',
  'so_module',
  'watchdog_module',
  'http_module',
  'log_config_module',
  'logio_module',
  'version_module',
  'unixd_module',
];

export function parseAddress(spec: string): VhostAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+|\*))?$/.exec(spec);
  const host = m?.[1] ?? m?.[2] ?? '*';
  const port = m?.[3] && m[3] !== '*' ? Number(m[3]) : 0;
  return { host: host || '*', port };
}

/** `mod_ssl.c` → `ssl_module`; `ssl_module` stays. */
export function moduleName(arg: string): string {
  const c = /^mod_(\w+)\.c$/.exec(arg);
  return c ? `${c[1]}_module` : arg;
}

function syntaxError(path: string, err: unknown): never {
  if (err instanceof ApacheSyntaxError)
    throw new CertkitError(
      'input',
      `${path}:${err.line}: ${err.message}`,
      'fix the Apache configuration first',
    );
  throw err;
}

interface Macro {
  name: string;
  params: string[];
  body: string;
  file: string;
  line: number;
}

/** Substitutes macro parameters in the body text, longest name first (mod_macro's rule). */
function expandMacro(m: Macro, args: string[]): string {
  const order = m.params.map((p, i) => ({ p, v: args[i] ?? '' })).sort((a, b) => b.p.length - a.p.length);
  let out = m.body;
  for (const { p, v } of order) out = out.split(p).join(v);
  return out;
}

/** Line numbers of nodes in a parsed text (1-based), computed from raw lengths. */
function lineIndex(nodes: ConfNode[]): Map<ConfNode, number> {
  const map = new Map<ConfNode, number>();
  let line = 1;
  const count = (s: string) => (s.match(/\n/g) ?? []).length;
  const visit = (list: ConfNode[]) => {
    for (const n of list) {
      map.set(n, line);
      if (n.kind === 'block') {
        line += count(n.openRaw);
        visit(n.children);
        line += count(n.closeRaw);
      } else line += count(n.raw);
    }
  };
  visit(nodes);
  return map;
}

export function loadApacheConfig(
  serverRoot: string,
  view: FsView = liveView(new Map() as Snapshot),
  options: EvaluateOptions = {},
): ApacheConfig {
  const layout = detectLayout(serverRoot, view);
  if (!layout)
    throw new CertkitError(
      'not-found',
      `no apache2.conf, conf/httpd.conf or httpd.conf under ${serverRoot}`,
      'give the configuration directory with --server-root',
    );
  const env: Record<string, string> = { ...(options.env ?? {}), ...layout.env };
  const defines = new Map<string, string>();
  for (const d of [...layout.defines, ...(options.defines ?? [])]) {
    const i = d.indexOf('=');
    defines.set(i > 0 ? d.slice(0, i) : d, i > 0 ? d.slice(i + 1) : '');
  }
  const assumed = new Set((options.assumeModules ?? []).map(moduleName));
  const cfg: ApacheConfig = {
    serverRoot,
    httpdRoot: serverRoot,
    mainFile: layout.mainFile,
    layout: layout.name,
    layoutSpec: layout,
    files: new Map(),
    vhosts: [],
    allVhosts: [],
    listens: [],
    modules: new Set([...STATIC_MODULES, ...assumed]),
    loadedModules: new Set(STATIC_MODULES),
    defines,
    env,
    includedTwice: [],
    liveIncludes: [],
    view,
  };
  const expand = (s: string) =>
    s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, n: string) => defines.get(n) ?? env[n] ?? whole);
  const lines = new Map<string, Map<ConfNode, number>>();
  const seenVhost = new Set<string>();
  const includeCount = new Map<string, number>();
  const macros = new Map<string, Macro>();

  const readFile = (linkPath: string): ConfigFile | null => {
    const path = view.real(linkPath);
    const hit = cfg.files.get(path);
    if (hit) return hit;
    const text = textOf(view.state(path));
    if (text === null) return null;
    let nodes: ConfNode[];
    try {
      nodes = parseApache(text);
    } catch (err) {
      syntaxError(path, err);
    }
    const file = { path, text, nodes };
    cfg.files.set(path, file);
    lines.set(path, lineIndex(nodes));
    return file;
  };

  interface Where {
    file: string; // as included
    source: string; // real path
    lineOf: (n: ConfNode) => number;
    macro?: Vhost['macro'];
    /** inside <IfModule ssl_module> or <IfModule mod_ssl.c> (what Debian's ports.conf wraps its TLS Listen in) */
    inSsl?: boolean;
    /** inside a <VirtualHost>: its directives, also those of files it includes (on: under its own conditions) */
    vhost?: { directives: VhostDirective[]; on: boolean };
  }
  /** the vhost scope of a nested branch: its directives count only where the branch is on */
  const within = (where: Where, on: boolean): Where =>
    where.vhost
      ? { ...where, vhost: { directives: where.vhost.directives, on: where.vhost.on && on } }
      : where;
  const walk = (nodes: ConfNode[], where: Where, live: boolean, off: string[], depth: number): void => {
    if (depth > 64) throw new CertkitError('input', `${where.file}: Include nesting is too deep (a loop?)`);
    for (const n of nodes) {
      if (n.kind === 'text') continue;
      const name = n.name.toLowerCase();
      const args = n.args.map(expand);
      if (n.kind === 'directive') {
        if (where.vhost?.on) where.vhost.directives.push({ name, args });
        if (name === 'include' || name === 'includeoptional') {
          const pattern = args[0] ?? '';
          const abs = isAbsolute(pattern) ? pattern : join(cfg.httpdRoot, pattern);
          const matches = expandInclude(abs, view);
          if (live) cfg.liveIncludes.push(abs);
          if (live && matches.length === 0 && name === 'include' && !/[*?[]/.test(pattern))
            throw new CertkitError(
              'input',
              `${where.file}:${where.lineOf(n)}: Include ${pattern} matches no file`,
              'fix the Apache configuration first',
            );
          for (const m of matches) {
            const f = readFile(m);
            if (!f) continue;
            if (live) {
              const count = (includeCount.get(f.path) ?? 0) + 1;
              includeCount.set(f.path, count);
              if (count === 2) cfg.includedTwice.push(f.path);
            }
            // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every parsed file has its line index (set when it was read)
            const idx = lines.get(f.path)!;
            walk(
              f.nodes,
              {
                file: m,
                source: f.path,
                lineOf: (x) => idx.get(x) ?? 0,
                inSsl: where.inSsl,
                ...(where.vhost ? { vhost: where.vhost } : {}),
              },
              live,
              off,
              depth + 1,
            );
          }
        } else if (!live) continue;
        else if (name === 'loadmodule' && args[0]) {
          cfg.modules.add(args[0]);
          cfg.loadedModules.add(args[0]);
        } else if (name === 'define' && args[0]) defines.set(args[0], args[1] ?? '');
        else if (name === 'undefine' && args[0]) defines.delete(args[0]);
        else if (name === 'serverroot' && args[0]) cfg.httpdRoot = args[0];
        else if (name === 'use' && args[0]) {
          const macro = macros.get(args[0].toLowerCase());
          if (!macro) continue;
          const text = expandMacro(macro, args.slice(1));
          let body: ConfNode[];
          try {
            body = parseApache(text);
          } catch (err) {
            syntaxError(`${where.file}:${where.lineOf(n)} (Use ${macro.name})`, err);
          }
          const idx = lineIndex(body);
          walk(
            body,
            {
              file: macro.file,
              source: macro.file,
              lineOf: (x) => idx.get(x) ?? 0,
              macro: { name: macro.name, file: where.file, line: where.lineOf(n) },
              inSsl: where.inSsl,
              ...(where.vhost ? { vhost: where.vhost } : {}),
            },
            live,
            off,
            depth + 1,
          );
        } else if (name === 'listen' && args[0]) {
          const a = parseAddress(args[0].includes(':') ? args[0] : `*:${args[0]}`);
          const protocol = args[1]?.toLowerCase() ?? null;
          const tls = protocol ? protocol === 'https' : !!where.inSsl || a.port === 443;
          cfg.listens.push({ ...a, protocol, tls, file: where.file, live });
        }
        continue;
      }
      // blocks
      const arg = args[0] ?? '';
      const neg = arg.startsWith('!');
      const bare = neg ? arg.slice(1) : arg;
      if (name === 'ifmodule') {
        const on = cfg.modules.has(moduleName(bare)) !== neg;
        const inSsl = where.inSsl || (!neg && moduleName(bare) === 'ssl_module');
        walk(
          n.children,
          within(inSsl ? { ...where, inSsl } : where, on),
          live && on,
          on ? off : [...off, `<IfModule ${arg}>`],
          depth,
        );
      } else if (name === 'ifdefine') {
        const on = defines.has(bare) !== neg;
        walk(n.children, within(where, on), live && on, on ? off : [...off, `<IfDefine ${arg}>`], depth);
      } else if (name === 'macro') {
        if (live && args[0])
          macros.set(args[0].toLowerCase(), {
            name: args[0],
            params: n.args.slice(1),
            body: n.children.map((c) => printNode(c)).join(''),
            file: where.file,
            line: where.lineOf(n),
          });
      } else if (name === 'virtualhost') {
        // httpd numbers a continued <VirtualHost \ ...> line by its last physical line
        const line = where.lineOf(n) + Math.max(0, (n.openRaw.match(/\n/g) ?? []).length - 1);
        const key = where.macro
          ? `${where.macro.file}:${where.macro.line}:${line}`
          : `${where.source}:${line}`;
        // its directives as Apache reads them: also from files it includes (a per-site snippet with the names)
        const directives: VhostDirective[] = [];
        walk(n.children, { ...where, vhost: { directives, on: true } }, live, off, depth);
        if (!seenVhost.has(key)) {
          seenVhost.add(key);
          cfg.allVhosts.push(describeVhost(n, args, where, line, live, off, directives));
        }
      } else if (['ifversion', 'ifdirective', 'iffile', 'ifsection'].includes(name)) {
        walk(n.children, where, live, off, depth);
      }
    }
  };
  const main = readFile(layout.mainFile);
  if (!main) throw new CertkitError('not-found', `${layout.mainFile} is not a readable file`);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every parsed file has its line index (set when it was read)
  const idx = lines.get(main.path)!;
  walk(main.nodes, { file: layout.mainFile, source: main.path, lineOf: (x) => idx.get(x) ?? 0 }, true, [], 0);
  cfg.vhosts = cfg.allVhosts.filter((v) => v.live);
  return cfg;
}

function printNode(n: ConfNode): string {
  return n.kind === 'block' ? n.openRaw + n.children.map(printNode).join('') + n.closeRaw : n.raw;
}

function hostOnly(name: string): string {
  return name
    .replace(/^[a-z]+:\/\//, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
}

/** A directive of a vhost's scope: lower-case name, arguments after ${VAR}. */
interface VhostDirective {
  name: string;
  args: string[];
}

function describeVhost(
  block: BlockNode,
  args: string[],
  where: { file: string; source: string; macro?: Vhost['macro'] },
  line: number,
  live: boolean,
  off: string[],
  directives: VhostDirective[],
): Vhost {
  let serverName: string | null = null;
  const aliases: string[] = [];
  let ssl = false;
  let documentRoot: string | null = null;
  for (const d of directives) {
    if (d.name === 'servername') serverName = hostOnly(d.args[0] ?? '');
    if (d.name === 'serveralias') aliases.push(...d.args.map((a) => a.toLowerCase()));
    if (d.name === 'sslengine') ssl = (d.args[0] ?? '').toLowerCase() === 'on';
    if (d.name === 'documentroot') documentRoot = d.args[0] ?? '';
  }
  return {
    file: where.source,
    includedAs: where.file,
    line,
    block,
    ...(where.macro ? { macro: where.macro } : {}),
    addresses: args.map(parseAddress),
    addressText: args,
    serverName,
    aliases,
    ssl,
    documentRoot,
    live,
    offBecause: live ? [] : off,
  };
}

function nameMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\[\]]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}

/** Does the vhost answer for this host name (ServerName, ServerAlias with * and ? wildcards)? */
export function vhostServes(v: Vhost, name: string): boolean {
  const n = name.toLowerCase();
  return (v.serverName !== null && nameMatches(v.serverName, n)) || v.aliases.some((a) => nameMatches(a, n));
}

export function vhostNames(v: Vhost): string[] {
  return [...(v.serverName ? [v.serverName] : []), ...v.aliases];
}

/** "file:line", or for a macro vhost "file:line (Use NAME)" of the Use line. */
export function vhostLocation(v: Vhost): string {
  return v.macro ? `${v.macro.file}:${v.macro.line}` : `${v.includedAs}:${v.line}`;
}
