/**
 * Reads an Apache configuration the way httpd does: from the main file, following Include/IncludeOptional
 * (globs relative to ServerRoot, ${VAR} from envvars), evaluating <IfModule> against LoadModule lines and
 * <IfDefine> against Define, and collecting every <VirtualHost> with the names it serves.
 */
import { isAbsolute, join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { liveView, textOf, type FsView, type Snapshot } from '../snapshot.js';
import { expandInclude } from './glob.js';
import { ApacheSyntaxError, is, parseApache, type BlockNode, type ConfNode } from './parser.js';

export type Layout = 'debian' | 'rhel' | 'other';

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
  file: string;
  block: BlockNode;
  addresses: VhostAddress[];
  serverName: string | null;
  aliases: string[];
  ssl: boolean;
}

export interface ApacheConfig {
  serverRoot: string;
  mainFile: string;
  layout: Layout;
  files: Map<string, ConfigFile>;
  vhosts: Vhost[];
  listens: VhostAddress[];
  modules: Set<string>;
  env: Record<string, string>;
  /** how the tree was read: further reads (by the planner) go through the same view */
  view: FsView;
}

const STATIC_MODULES = [
  'core_module',
  'so_module',
  'watchdog_module',
  'http_module',
  'log_config_module',
  'logio_module',
  'version_module',
  'unixd_module',
];

/** Debian's envvars: `export NAME=value` lines (the SUFFIX logic is approximated). */
export function readEnvvars(serverRoot: string, view: FsView): Record<string, string> {
  const env: Record<string, string> = {};
  const text = textOf(view.state(view.real(join(serverRoot, 'envvars'))));
  if (text === null) return env;
  const suffix = serverRoot.startsWith('/etc/apache2-') ? `-${serverRoot.slice('/etc/apache2-'.length)}` : '';
  for (const line of text.split('\n')) {
    const m = /^\s*export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '').replace(/\$SUFFIX|\$\{SUFFIX\}/g, suffix);
  }
  return env;
}

export function detectLayout(serverRoot: string, view: FsView): { layout: Layout; mainFile: string } {
  const exists = (p: string) => view.state(p).exists;
  if (exists(join(serverRoot, 'apache2.conf')))
    return { layout: 'debian', mainFile: join(serverRoot, 'apache2.conf') };
  if (exists(join(serverRoot, 'conf', 'httpd.conf')))
    return { layout: 'rhel', mainFile: join(serverRoot, 'conf', 'httpd.conf') };
  if (exists(join(serverRoot, 'httpd.conf')))
    return { layout: 'other', mainFile: join(serverRoot, 'httpd.conf') };
  throw new CertkitError(
    'not-found',
    `no apache2.conf or conf/httpd.conf under ${serverRoot}`,
    'give the configuration directory with --server-root',
  );
}

export function parseAddress(spec: string): VhostAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+|\*))?$/.exec(spec);
  const host = m?.[1] ?? m?.[2] ?? '*';
  const port = m?.[3] && m[3] !== '*' ? Number(m[3]) : 0;
  return { host: host || '*', port };
}

function moduleName(arg: string): string {
  const c = /^mod_(\w+)\.c$/.exec(arg);
  return c ? `${c[1]}_module` : arg;
}

/**
 * Evaluates the tree through a file-system view: the live disk (recording into a snapshot: discovery) or a
 * frozen snapshot (pure: planning).
 */
export function loadApacheConfig(
  serverRoot: string,
  view: FsView = liveView(new Map() as Snapshot),
  extraEnv: Record<string, string> = {},
): ApacheConfig {
  const { layout, mainFile } = detectLayout(serverRoot, view);
  const env = { ...readEnvvars(serverRoot, view), ...extraEnv };
  const cfg: ApacheConfig = {
    serverRoot,
    mainFile,
    layout,
    files: new Map(),
    vhosts: [],
    listens: [],
    modules: new Set(STATIC_MODULES),
    env,
    view,
  };
  const defines = new Set<string>();
  const expand = (s: string) =>
    s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => env[n] ?? process.env[n] ?? '');

  const readFile = (linkPath: string): ConfigFile => {
    // edit the real file, never replace a sites-enabled symlink with a copy
    const path = view.real(linkPath);
    const hit = cfg.files.get(path);
    if (hit) return hit;
    const text = textOf(view.state(path));
    if (text === null) throw new CertkitError('not-found', `${linkPath} is not a readable file`);
    let nodes: ConfNode[];
    try {
      nodes = parseApache(text);
    } catch (err) {
      if (err instanceof ApacheSyntaxError)
        throw new CertkitError(
          'input',
          `${path}:${err.line}: ${err.message}`,
          'fix the Apache configuration first',
        );
      throw err;
    }
    const file = { path, text, nodes };
    cfg.files.set(path, file);
    return file;
  };

  const walk = (nodes: ConfNode[], file: string, depth: number) => {
    if (depth > 32) throw new CertkitError('input', `${file}: Include nesting is too deep (a loop?)`);
    for (const n of nodes) {
      if (n.kind === 'text') continue;
      if (n.kind === 'directive') {
        const name = n.name.toLowerCase();
        if (name === 'include' || name === 'includeoptional') {
          const pattern = expand(n.args[0] ?? '');
          const abs = isAbsolute(pattern) ? pattern : join(serverRoot, pattern);
          const matches = expandInclude(abs, view);
          if (matches.length === 0 && name === 'include' && !/[*?[]/.test(pattern)) {
            throw new CertkitError(
              'input',
              `${file}: Include ${pattern} matches no file`,
              'fix the Apache configuration first',
            );
          }
          for (const m of matches) {
            const f = readFile(m);
            walk(f.nodes, f.path, depth + 1);
          }
        } else if (name === 'loadmodule') cfg.modules.add(n.args[0] ?? '');
        else if (name === 'define') defines.add(n.args[0] ?? '');
        else if (name === 'listen') cfg.listens.push(parseAddress(expand(n.args[0] ?? '')));
        continue;
      }
      const bname = n.name.toLowerCase();
      if (bname === 'ifmodule') {
        const arg = n.args[0] ?? '';
        const neg = arg.startsWith('!');
        if (cfg.modules.has(moduleName(neg ? arg.slice(1) : arg)) !== neg) walk(n.children, file, depth);
      } else if (bname === 'ifdefine') {
        const arg = n.args[0] ?? '';
        const neg = arg.startsWith('!');
        if (defines.has(neg ? arg.slice(1) : arg) !== neg) walk(n.children, file, depth);
      } else if (bname === 'virtualhost') {
        cfg.vhosts.push(describeVhost(n, file, expand));
        walk(n.children, file, depth); // Include inside a vhost
      } else if (
        bname === 'ifversion' ||
        bname === 'ifdirective' ||
        bname === 'iffile' ||
        bname === 'ifsection'
      ) {
        walk(n.children, file, depth);
      }
    }
  };
  const main = readFile(mainFile);
  walk(main.nodes, main.path, 0);
  return cfg;
}

function describeVhost(block: BlockNode, file: string, expand: (s: string) => string): Vhost {
  let serverName: string | null = null;
  const aliases: string[] = [];
  let ssl = false;
  for (const c of block.children) {
    if (is(c, 'ServerName') && c.kind === 'directive')
      serverName = expand(c.args[0] ?? '')
        .replace(/^[a-z]+:\/\//, '')
        .replace(/:\d+$/, '')
        .toLowerCase();
    if (is(c, 'ServerAlias') && c.kind === 'directive')
      aliases.push(...c.args.map((a) => expand(a).toLowerCase()));
    if (is(c, 'SSLEngine') && c.kind === 'directive') ssl = (c.args[0] ?? '').toLowerCase() === 'on';
  }
  return { file, block, addresses: block.args.map((a) => parseAddress(expand(a))), serverName, aliases, ssl };
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
