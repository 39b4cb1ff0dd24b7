/**
 * certbot's Apache test trees (test/fixtures/certbot-apache) and how to make a loadable copy of one, so that
 * Debian's apache2 binary can be asked what it makes of the tree (`-S`, `-t`) and compared with certkit.
 *
 * A loadable copy changes only what this machine needs: absolute paths of the original root point at the copy,
 * run/log/lock directories live in the copy, LoadModule lines for modules Debian does not build are commented
 * out, users that do not exist become www-data, and a first line loads the modules the trees use without
 * loading them (an MPM, authz_core...). certkit and Apache are then given the SAME copy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { createApache } from '../helpers/apache.js';
import { makeRoot, tempDir } from '../helpers/openssl.js';
import type { ApachePlanOptions } from '../../src/deploy/apache/plan.js';

export const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'certbot-apache');
const MODDIR = '/usr/lib/apache2/modules';
export const HTTPD = '/usr/sbin/apache2';

export interface CorpusTree {
  id: string;
  /** directory holding the tree (and its sibling sysconfig/conf.d) */
  dir: string;
  /** the configuration directory, relative to dir */
  root: string;
  /** the main file, relative to root */
  main: string;
  /** where the tree lived on its server */
  origRoot: string;
  /** the ServerRoot directive's original value when it differs from origRoot */
  origServerRoot?: string;
}

export const TREES: CorpusTree[] = [
  ...['multiple_vhosts', 'multi_vhosts', 'default_vhost', 'augeas_vhosts'].map((t) => ({
    id: `debian/${t}`,
    dir: `debian_apache_2_4/${t}`,
    root: 'apache2',
    main: 'apache2.conf',
    origRoot: '/etc/apache2',
  })),
  {
    id: 'centos7',
    dir: 'centos7_apache/apache',
    root: 'httpd',
    main: 'conf/httpd.conf',
    origRoot: '/etc/httpd',
  },
  {
    id: 'gentoo',
    dir: 'gentoo_apache/apache',
    root: 'apache2',
    main: 'httpd.conf',
    origRoot: '/etc/apache2',
    origServerRoot: '/usr/lib64/apache2',
  },
  {
    id: 'complex_parsing',
    dir: 'complex_parsing',
    root: '.',
    main: 'apache2.conf',
    origRoot: '/etc/apache2',
  },
];

function textFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else if (st.size < 1_000_000) out.push(p);
  };
  walk(dir);
  return out;
}

const BASE_MODULES = [
  'authz_core',
  'authz_host',
  'authn_core',
  'access_compat',
  'alias',
  'dir',
  'mime',
  'macro',
  'rewrite',
  'setenvif',
  'headers',
];

export interface LoadableCopy {
  /** the copy's configuration directory (certkit's --server-root) */
  root: string;
  main: string;
  /** -D flags of the layout (RHEL OPTIONS, Gentoo APACHE2_OPTS) */
  defines: string[];
  /** environment for apache2 (Debian envvars) */
  env: NodeJS.ProcessEnv;
  /** runs the apache2 binary on the copy */
  httpd(args: string[]): { code: number; output: string };
}

/** The -D flags a layout passes (read here independently of certkit's own reader). */
export function layoutDefines(copyDir: string): string[] {
  const out: string[] = [];
  for (const [file, varName] of [
    ['sysconfig/httpd', 'OPTIONS'],
    ['conf.d/apache2', 'APACHE2_OPTS'],
  ] as const) {
    const p = join(copyDir, file);
    if (!existsSync(p)) continue;
    const m = new RegExp(`^${varName}="([^"]*)"`, 'm').exec(readFileSync(p, 'utf8'));
    if (m) out.push(...[...m[1]!.matchAll(/-D\s*(\S+)/g)].map((d) => d[1]!));
  }
  return out;
}

export function loadableCopy(tree: CorpusTree, into = tempDir('certkit-corpus-')): LoadableCopy {
  const copyDir = join(into, tree.id.replace(/\//g, '_'));
  cpSync(join(CORPUS, tree.dir), copyDir, { recursive: true, verbatimSymlinks: true });
  return makeLoadable(copyDir, tree);
}

/** Makes the tree in copyDir loadable by this machine's apache2, in place (see the top of this file). */
export function makeLoadable(copyDir: string, tree: Omit<CorpusTree, 'id' | 'dir'>): LoadableCopy {
  const root = join(copyDir, tree.root);
  const run = join(copyDir, 'run');
  for (const d of [run, join(root, 'logs'), join(root, 'run')]) mkdirSync(d, { recursive: true });
  if (!existsSync(join(root, 'modules'))) symlinkSync(MODDIR, join(root, 'modules'));

  let loadsMpm = false;
  for (const f of textFiles(copyDir)) {
    let text = readFileSync(f, 'utf8');
    const before = text;
    if (tree.origServerRoot) text = text.split(tree.origServerRoot).join(root);
    text = text.split(tree.origRoot).join(root);
    text = text.replace(/^(\s*)LoadModule\s+(\S+)\s+(\S+)/gm, (line, _i, _name, path: string) => {
      const so = join(MODDIR, path.split('/').pop()!);
      return existsSync(so) ? line : `#not-built-here# ${line.trimStart()}`;
    });
    if (/^\s*LoadModule\s+mpm_/m.test(text)) loadsMpm = true;
    text = text.replace(/^(\s*)(User|Group)\s+(?!\$\{)(\S+)\s*$/gm, (line, i, d, who: string) =>
      spawnSync('id', [who]).status === 0 || d === 'Group' ? line : `${i}${d} www-data`,
    );
    text = text.replace(/^(\s*Group)\s+(?!\$\{)(apache)\s*$/gm, '$1 www-data');
    text = text
      .replace(/^(\s*SSLPassPhraseDialog)\s+exec:\S+/gm, '$1 builtin')
      .replace(/(\s|file:|")\/(?:var\/)?run\/(?=\S)/g, `$1${run}/`);
    if (f.endsWith('envvars'))
      text = text
        .replace(/\/var\/run\/apache2\$SUFFIX/g, run)
        .replace(/\/var\/run\/apache2\/apache2\$SUFFIX\.pid/g, join(run, 'apache2.pid'))
        .replace(/\/var\/lock\/apache2\$SUFFIX/g, run)
        .replace(/\/var\/log\/apache2\$SUFFIX/g, join(root, 'logs'));
    if (text !== before) writeFileSync(f, text);
  }
  // a Debian tree gets the module files its mods-available lacks (socache_shmcb.load...) from this machine
  const avail = join(root, 'mods-available');
  if (existsSync(join(root, 'apache2.conf'))) mkdirSync(avail, { recursive: true });
  if (existsSync(avail))
    for (const e of readdirSync('/etc/apache2/mods-available'))
      if (!existsSync(join(avail, e))) cpSync(join('/etc/apache2/mods-available', e), join(avail, e));
  const mods = BASE_MODULES.filter((m) => existsSync(join(MODDIR, `mod_${m}.so`)));
  if (!loadsMpm) mods.unshift('mpm_event');
  const baseFile = join(copyDir, 'loadable-base.conf');
  writeFileSync(baseFile, mods.map((m) => `LoadModule ${m}_module ${MODDIR}/mod_${m}.so`).join('\n') + '\n');
  const main = join(root, tree.main);
  writeFileSync(main, `Include ${baseFile}\n` + readFileSync(main, 'utf8'));
  // what a service manager would give a non-Debian httpd: the variables the trees use
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C',
    APACHE_RUN_USER: 'www-data',
    APACHE_RUN_GROUP: 'www-data',
    APACHE_PID_FILE: join(run, 'apache2.pid'),
    APACHE_RUN_DIR: run,
    APACHE_LOCK_DIR: run,
    APACHE_LOG_DIR: join(root, 'logs'),
  };
  if (existsSync(join(root, 'envvars'))) {
    const out = execFileSync('/bin/sh', ['-c', `set -a; . ./envvars; env`], {
      cwd: root,
      env: { ...env, APACHE_CONFDIR: root },
    });
    for (const line of out.toString().split('\n')) {
      const i = line.indexOf('=');
      if (i > 0 && /^APACHE_/.test(line)) env[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  // certificate files the tree names but this machine lacks (snakeoil, certbot's): a stand-in pair in the copy
  const ca = makeRoot(copyDir, 'stand-in', 'stand-in');
  const standIn = { cert: ca.certFile, key: ca.keyFile };
  for (const f of textFiles(root)) {
    const text = readFileSync(f, 'utf8');
    const next = text.replace(
      /^(\s*)(SSLCertificate(?:Chain)?File|SSLCertificateKeyFile)\s+"?([^"\s]+)"?\s*$/gm,
      (line, i, d: string, p: string) =>
        existsSync(p) || p.includes('${')
          ? line
          : `${i}${d} ${d === 'SSLCertificateKeyFile' ? standIn.key : standIn.cert}`,
    );
    if (next !== text) writeFileSync(f, next);
  }
  for (const f of textFiles(copyDir))
    for (const m of readFileSync(f, 'utf8').matchAll(/file:(\/\S+)/g))
      if (m[1]!.startsWith(run)) mkdirSync(m[1]!, { recursive: true });
  const defines = layoutDefines(copyDir);
  const httpd = (args: string[]) => {
    const r = spawnSync(HTTPD, ['-d', root, '-f', main, ...defines.flatMap((d) => ['-D', d]), ...args], {
      env,
      encoding: 'utf8',
    });
    return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
  };
  // directives only certbot's parser tests know (TestArgsDirective...): commented out, one by one
  // files and directories the server had outside the tree (/etc/letsencrypt/..., log directories): made in the
  // copy and pointed at
  const outside = (path: string, dir: boolean) => {
    const local = join(copyDir, 'outside', path);
    mkdirSync(dir ? local : dirname(local), { recursive: true });
    if (!dir) writeFileSync(local, '');
    for (const f of textFiles(root)) {
      const text = readFileSync(f, 'utf8');
      if (text.includes(path)) writeFileSync(f, text.split(path).join(local));
    }
  };
  for (let i = 0; i < 100; i++) {
    const r = httpd(['-t']);
    const unknown = /Syntax error on line (\d+) of ([^:]+):\s*\nInvalid command '([^']+)'/.exec(r.output);
    const missingFile = /Could not open configuration file (\/\S+): No such file/.exec(r.output);
    const missingDir = /Cannot access directory '(\/[^']+)'/.exec(r.output);
    if (unknown) {
      const lines = readFileSync(unknown[2]!, 'utf8').split('\n');
      lines[Number(unknown[1]) - 1] = `#unknown-here# ${lines[Number(unknown[1]) - 1]!.trimStart()}`;
      writeFileSync(unknown[2]!, lines.join('\n'));
    } else if (missingFile) outside(missingFile[1]!, false);
    else if (missingDir) outside(missingDir[1]!.replace(/\/$/, ''), true);
    else break;
  }
  return { root, main, defines, env, httpd };
}

/** Plan options for tests: a certificate for these names, defaults everywhere else. */
export function planOptions(names: string[], extra: Partial<ApachePlanOptions> = {}): ApachePlanOptions {
  return {
    lineage: 'l',
    names,
    fullchainPath: '/c.pem',
    keyPath: '/k.pem',
    redirect: true,
    hsts: false,
    tls: 'intermediate',
    tlsPort: 443,
    ocspStapling: false,
    unsafeAllow3F: true,
    fingerprint: 'AA',
    ...extra,
  };
}

/** certbot's single-file real-user configs (apache-conf-files), each dropped into a Debian tree as certbot does. */
export const REAL_CONFIGS = ['passing', 'failing'].flatMap((d) =>
  readdirSync(join(CORPUS, 'apache-conf-files', d))
    .filter((f) => /\.conf$/.test(f))
    .map((f) => `${d}/${f}`),
);

const REAL_CONFIG_MODULES = [
  'ssl',
  'socache_shmcb',
  'rewrite',
  'macro',
  'deflate',
  'userdir',
  'headers',
  'proxy',
  'proxy_http',
];

export function realConfigTree(conf: string, httpPort = 8080): LoadableCopy {
  const copyDir = tempDir('certkit-realconf-');
  const a = createApache({ dir: copyDir, layout: 'debian', httpPort });
  const root = a.serverRoot;
  for (const m of REAL_CONFIG_MODULES)
    for (const ext of ['load', 'conf'])
      if (
        existsSync(join(root, 'mods-available', `${m}.${ext}`)) &&
        !existsSync(join(root, 'mods-enabled', `${m}.${ext}`))
      )
        symlinkSync(`../mods-available/${m}.${ext}`, join(root, 'mods-enabled', `${m}.${ext}`));
  const name = conf.split('/').pop()!;
  cpSync(join(CORPUS, 'apache-conf-files', conf), join(root, 'sites-available', name));
  symlinkSync(`../sites-available/${name}`, join(root, 'sites-enabled', name));
  writeFileSync(
    join(root, 'sites-available', 'throwaway-example.conf'),
    '<VirtualHost *:80>\n    ServerName example.com\n    DocumentRoot /tmp/\n</VirtualHost>\n',
  );
  symlinkSync(
    '../sites-available/throwaway-example.conf',
    join(root, 'sites-enabled', 'throwaway-example.conf'),
  );
  return makeLoadable(copyDir, { root: 'apache2', main: 'apache2.conf', origRoot: '/etc/apache2' });
}
