/**
 * Apache layouts as data: where the main file is, where the distribution's -D flags and environment come from,
 * where certkit puts a new HTTPS site and module lines, and how every control command is run AGAINST THE TREE
 * being changed (Debian: apache2ctl with APACHE_CONFDIR, which reads the tree's envvars; others: the httpd
 * binary with -d ROOT -f FILE and the layout's -D flags), never the system's default instance.
 */
import { dirname, join } from 'node:path';
import { textOf, type FsView } from '../snapshot.js';

export type LayoutName = 'debian' | 'rhel' | 'gentoo' | 'single';

export interface Layout {
  name: LayoutName;
  /** the configuration directory (certkit's --server-root) */
  configDir: string;
  mainFile: string;
  /** -D flags the distribution's service passes (RHEL OPTIONS, Gentoo APACHE2_OPTS) */
  defines: string[];
  /** environment variables the service sets (Debian envvars) */
  env: Record<string, string>;
  /** where the HTTPS twin of a site goes; `include` when the main file must pull it in */
  siteFile(
    lineage: string,
    sourceFile: string,
  ): { path: string; enableLink?: string; includeFromMain: boolean };
  /** how a missing module is loaded: Debian's mods-enabled links, or a file of LoadModule lines */
  modules: { kind: 'a2enmod' } | { kind: 'file'; path: string; includeFromMain: boolean };
}

/** Debian's envvars: `export NAME=value` lines, with $SUFFIX from the directory name like apache2ctl does. */
export function readEnvvars(configDir: string, view: FsView): Record<string, string> {
  const env: Record<string, string> = {};
  const text = textOf(view.state(view.real(join(configDir, 'envvars'))));
  if (text === null) return env;
  const suffix = configDir.startsWith('/etc/apache2-') ? `-${configDir.slice('/etc/apache2-'.length)}` : '';
  for (const line of text.split('\n')) {
    const m = /^\s*export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    if (m) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '').replace(/\$SUFFIX|\$\{SUFFIX\}/g, suffix);
  }
  return env;
}

/** `-D NAME`, `-DNAME`, `-D NAME=value` flags from a shell variable in a sysconfig-style file. */
export function readDefineFlags(file: string, variable: string, view: FsView): string[] {
  const text = textOf(view.state(file));
  if (text === null) return [];
  const m = new RegExp(`^\\s*${variable}=(["']?)(.*)\\1\\s*$`, 'm').exec(text);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
  return m ? [...m[2]!.matchAll(/-D\s*([^\s"']+)/g)].map((d) => d[1]!) : [];
}

export function detectLayout(configDir: string, view: FsView): Layout | null {
  const exists = (p: string) => view.state(p).exists;
  const own = (dir: string, lineage: string) => join(dir, `certkit-${lineage}-ssl.conf`);
  if (exists(join(configDir, 'apache2.conf')))
    return {
      name: 'debian',
      configDir,
      mainFile: join(configDir, 'apache2.conf'),
      defines: [],
      env: readEnvvars(configDir, view),
      siteFile: (lineage) => ({
        path: own(join(configDir, 'sites-available'), lineage),
        enableLink: own(join(configDir, 'sites-enabled'), lineage),
        includeFromMain: false,
      }),
      modules: { kind: 'a2enmod' },
    };
  if (exists(join(configDir, 'conf', 'httpd.conf')))
    return {
      name: 'rhel',
      configDir,
      mainFile: join(configDir, 'conf', 'httpd.conf'),
      defines: readDefineFlags(join(dirname(configDir), 'sysconfig', 'httpd'), 'OPTIONS', view),
      env: {},
      siteFile: (lineage) => ({ path: own(join(configDir, 'conf.d'), lineage), includeFromMain: false }),
      modules: {
        kind: 'file',
        path: join(configDir, 'conf.modules.d', '00-certkit.conf'),
        includeFromMain: false,
      },
    };
  if (exists(join(configDir, 'httpd.conf'))) {
    const gentoo = exists(join(configDir, 'vhosts.d')) || exists(join(configDir, 'modules.d'));
    return {
      name: gentoo ? 'gentoo' : 'single',
      configDir,
      mainFile: join(configDir, 'httpd.conf'),
      defines: gentoo
        ? readDefineFlags(join(dirname(configDir), 'conf.d', 'apache2'), 'APACHE2_OPTS', view)
        : [],
      env: {},
      siteFile: (lineage, sourceFile) =>
        gentoo
          ? { path: own(join(configDir, 'vhosts.d'), lineage), includeFromMain: false }
          : { path: own(dirname(sourceFile), lineage), includeFromMain: true },
      modules: { kind: 'file', path: join(configDir, 'certkit', 'modules.conf'), includeFromMain: true },
    };
  }
  return null;
}

/** Paths a layout reads besides the configuration itself (for discovery). */
export function layoutInputs(configDir: string): string[] {
  return [
    join(configDir, 'apache2.conf'),
    join(configDir, 'conf', 'httpd.conf'),
    join(configDir, 'httpd.conf'),
    join(configDir, 'envvars'),
    join(configDir, 'vhosts.d'),
    join(configDir, 'modules.d'),
    join(dirname(configDir), 'sysconfig', 'httpd'),
    join(dirname(configDir), 'conf.d', 'apache2'),
  ];
}
