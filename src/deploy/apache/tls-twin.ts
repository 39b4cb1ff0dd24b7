/**
 * The HTTPS side of each site: the TLS directives certkit manages; an existing TLS vhost updated in place; or
 * an HTTPS twin of the HTTP vhost (its body copied without names, TLS settings or https redirects, with the names
 * the certificate covers), all twins of a lineage in one file that certkit regenerates every run.
 */
import { dirname, relative } from 'node:path';
import { CertkitError } from '../../errors.js';
import { includeCovers } from './glob.js';
import { vhostLocation, type ApacheConfig, type Vhost } from './config.js';
import { textOf } from '../snapshot.js';
import type { PlanEdits } from './edits.js';
import { BEGIN, END, droppedTlsFeatures, managed, matchLineEndings, stripManaged } from './managed.js';
import { childIndent, printApache, type BlockNode, type ConfNode } from './parser.js';
import type { ApachePlanOptions, PlannedSite } from './plan-options.js';
import { twinAddress, twinListen } from './ports.js';
import { HSTS_HEADER } from './profiles.js';
import { redirectsToHttps } from './redirect.js';
import { vhostLabel } from './sites.js';

const SSL_KEYS = ['sslengine', 'sslcertificatefile', 'sslcertificatekeyfile', 'sslcertificatechainfile'];
const NAME_KEYS = ['servername', 'serveralias'];

/** The TLS directives of a site: certificate, key, the profile snippet, and stapling/HSTS/basic auth as asked. */
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

/**
 * An existing TLS vhost updated in place: its own SSL directives give way to the managed tls block. Returns
 * whether the block changed (a re-run that finds it in place changes nothing).
 */
function updateInPlace(block: BlockNode, tls: string[]): boolean {
  const before = printApache(block.children);
  block.children = stripManaged(block.children, 'tls').filter(
    (c) => !(c.kind === 'directive' && SSL_KEYS.includes(c.name.toLowerCase())),
  );
  block.children.push(...managed('tls', tls, childIndent(block)));
  return printApache(block.children) !== before;
}

/** The comment line heading the twin of `h` in the twin file. */
function twinHeading(h: Vhost): string {
  return `# HTTPS twin of the vhost ${h.serverName ?? '(no name)'} in ${h.macro ? `${h.macro.file} (Use ${h.macro.name})` : h.includedAs}`;
}

/** The HTTPS twin of the HTTP vhost `h` (whose block is `src`): at `addr`, serving `names`, with these TLS lines. */
function twinText(h: Vhost, src: BlockNode, names: string[], addr: string, tlsLines: string[]): string {
  const indent = childIndent(src);
  const body = printApache(twinBody(src.children)).replace(/\s*$/, '\n');
  const [first, ...rest] = names;
  const nameLines = [
    `${indent}ServerName ${first}\n`,
    ...(rest.length ? [`${indent}ServerAlias ${rest.join(' ')}\n`] : []),
  ];
  const tls = tlsLines.map((l) => `${indent}${l}\n`).join('');
  return (
    [twinHeading(h), `<VirtualHost ${addr}>`, ''].join('\n') +
    nameLines.join('') +
    body +
    `${indent}${BEGIN('tls')}\n${tls}${indent}${END('tls')}\n</VirtualHost>\n`
  );
}

/**
 * TLS vhosts: each site's existing one updated in place, or one twin per site in certkit's twin file (with the
 * Listen it needs, enabled or included the layout's way).
 */
export function planTlsVhosts(
  cfg: ApacheConfig,
  sites: PlannedSite[],
  o: ApachePlanOptions,
  profileFile: string,
  edits: PlanEdits,
  notes: string[],
): void {
  const twins: string[] = [];
  let twinHost = '*';
  const firstHttp = sites.find((s) => s.http)?.http;
  const site = firstHttp ? cfg.layoutSpec.siteFile(o.lineage, firstHttp.file) : null;
  // the twin file as it is: notes name what this run changes, not what a previous run already did
  const twinFileNow = (site && textOf(cfg.view.state(site.path))) ?? '';
  const earlierTls = [twinFileNow];
  for (const s of sites) {
    if (s.tls) {
      if (s.tls.macro)
        throw new CertkitError(
          'input',
          `the TLS vhost ${vhostLabel(s.tls)} is made by the macro ${s.tls.macro.name}; certkit changed nothing`,
          'set its certificate in the macro yourself, or give --vhost for another site',
        );
      const block = edits.blockFor(s.tls);
      earlierTls.push(printApache(block.children));
      if (updateInPlace(block, tlsLines(o, profileFile)))
        notes.push(`TLS vhost ${vhostLabel(s.tls)} updated in place`);
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- sites without a TLS vhost (handled above) have an HTTP one
    const h = s.http!;
    const host = h.addresses[0]?.host ?? '*';
    twinHost = host;
    const addr = twinAddress(host, o.tlsPort);
    // a vhost made by a macro is copied as the macro expanded it (its file is not edited)
    const src = h.macro ? h.block : edits.blockFor(h);
    const twin = twinText(h, src, s.names, addr, tlsLines(o, profileFile));
    twins.push(twin);
    const what = `HTTPS vhost ${addr} for ${s.names.join(', ')} (a twin of ${vhostLocation(h)}, DocumentRoot ${s.documentRoot ?? 'inherited'})`;
    const twinFileLf = twinFileNow.replace(/\r\n/g, '\n');
    if (!twinFileLf.includes(twin.replace(/\r\n/g, '\n')))
      notes.push(twinFileLf.includes(`${twinHeading(h)}\n`) ? `${what} regenerated` : `new ${what}`);
  }
  const dropped = droppedTlsFeatures(earlierTls.join('\n'), o);
  if (dropped.length)
    notes.push(`removed from the HTTPS vhosts, as this run does not ask for it: ${dropped.join('; ')}`);
  if (twins.length && site) {
    const header = [
      `# Managed by certkit for lineage "${o.lineage}" (certkit install apache --name ${o.lineage}).`,
      '# Regenerated from the HTTP sites on every run: change those (or certkit options), not this file.',
      ...twinListen(cfg, o.lineage, o.tlsPort, twinHost),
      '',
    ];
    edits.write(
      site.path,
      matchLineEndings(
        header.join('\n') + twins.join('\n'),
        // the style of the site file the twin is copied from
        (firstHttp && cfg.files.get(firstHttp.file)?.text) ?? '',
      ),
    );
    if (site.enableLink && !cfg.view.state(site.enableLink).exists)
      edits.link(site.enableLink, relative(dirname(site.enableLink), site.path));
    const loadedByLink = site.enableLink !== undefined;
    if (site.includeFromMain || (!loadedByLink && !cfg.liveIncludes.some((p) => includeCovers(p, site.path))))
      edits.includeFromMain(site.path, false);
  }
}
