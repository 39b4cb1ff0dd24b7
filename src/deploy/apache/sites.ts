/**
 * Which virtual hosts the certificate serves, and how they pair into sites (pure, over the evaluated tree):
 * --vhost or the certificate's names choose the vhosts; an HTTP vhost is paired with the TLS vhost of the same
 * ServerName (updated in place) or gets a twin; the names each site installs are those the certificate covers.
 */
import { basename } from 'node:path';
import { CertkitError } from '../../errors.js';
import { vhostLocation, vhostNames, vhostServes, type ApacheConfig, type Vhost } from './config.js';
import { BEGIN } from './managed.js';
import type { ApachePlanOptions, PlannedSite } from './plan-options.js';

/** A vhost as the plan's notes and refusals name it: its names, addresses and place. */
export function vhostLabel(v: Vhost): string {
  return `${vhostNames(v).join(', ') || '(no name)'} ${v.addressText.join(' ')} at ${vhostLocation(v)}`;
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
export function ownTwinFiles(cfg: ApacheConfig, lineage: string): Set<string> {
  return new Set(
    [cfg.mainFile, ...cfg.allVhosts.map((v) => v.file)].map((f) => cfg.layoutSpec.siteFile(lineage, f).path),
  );
}

/**
 * The live vhosts the install is about: --vhost's, else every vhost serving one of the names (certkit's own
 * twin file for this lineage is regenerated from the HTTP sites, never a site itself).
 */
export function chosenVhosts(
  cfg: ApacheConfig,
  o: Pick<ApachePlanOptions, 'lineage' | 'names' | 'vhost'>,
): Vhost[] {
  const own = ownTwinFiles(cfg, o.lineage);
  return (
    o.vhost ? selectVhosts(cfg, o.vhost) : cfg.vhosts.filter((v) => o.names.some((n) => vhostServes(v, n)))
  ).filter((v) => !own.has(v.file));
}

/** The refusal for a chosen vhost the certificate names none of (a twin without a name would serve nothing). */
function coversNone(v: Vhost, certNames: string[]): CertkitError {
  const served = vhostNames(v);
  return new CertkitError(
    'input',
    `refused before any reload: the certificate (${certNames.join(', ')}) does not cover ${served.join(', ') || 'a name'} served by the vhost ${v.addressText.join(' ')} at ${vhostLocation(v)}`,
    'give --vhost for a site the certificate names, or request or import a certificate that names them',
  );
}

/**
 * The names a site installs: its own names the certificate covers, and the certificate's names the vhost answers
 * through a wildcard ServerAlias (`*.example.com` serving the certificate's www.example.com).
 */
function withServedCertNames(v: Vhost, covered: string[], certNames: string[]): string[] {
  const served = certNames.filter((n) => !covered.includes(n) && vhostServes(v, n));
  return [...covered, ...served];
}

/**
 * Is the name served over HTTPS on the port by a TLS vhost certkit installed another certificate into (another
 * lineage's twin, or a vhost with a managed tls block)? Its redirect is then kept by this install too.
 */
function servedByOtherInstall(live: Vhost[], ours: Vhost | null, name: string, tlsPort: number): boolean {
  return live.some(
    (v) =>
      v !== ours &&
      v.ssl &&
      v.addresses.some((a) => a.port === tlsPort) &&
      vhostServes(v, name) &&
      v.block.children.some((c) => c.kind === 'text' && c.raw.trim() === BEGIN('tls')),
  );
}

/** A vhost's addresses as Apache groups name-based vhosts by them (`_default_` is `*` in 2.4). */
function addressKeys(v: Vhost): string[] {
  return v.addressText.map((a) => a.toLowerCase().replace(/^_default_:/, '*:'));
}

/**
 * The earlier vhost Apache answers this name from: among the vhosts of one address, the first (in
 * configuration order) whose ServerName or ServerAlias matches wins, so a later vhost with the same name never
 * sees it — when that holds on every address the later vhost listens on.
 */
function shadowingVhost(live: Vhost[], v: Vhost, name: string): Vhost | undefined {
  const before = live.slice(0, live.indexOf(v)).filter((e) => vhostServes(e, name));
  const per = addressKeys(v).map((a) => before.find((e) => addressKeys(e).includes(a)));
  return per.length > 0 && per.every((e) => e !== undefined) ? per[0] : undefined;
}

/**
 * Which sites the certificate serves and how (pure). Without --vhost, a vhost whose covered names Apache
 * answers from an earlier vhost on the same addresses gets no twin of its own (it would serve nothing); a note
 * says so.
 */
export function planSites(cfg: ApacheConfig, o: ApachePlanOptions, notes: string[] = []): PlannedSite[] {
  const own = ownTwinFiles(cfg, o.lineage);
  const live = cfg.vhosts.filter((v) => !own.has(v.file));
  const chosen = chosenVhosts(cfg, o);
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
    const candidates = withServedCertNames(h, covered, o.names);
    if (candidates.length === 0) throw coversNone(h, o.names);
    const shadowed = o.vhost ? [] : candidates.filter((n) => shadowingVhost(live, h, n));
    const names = candidates.filter((n) => !shadowed.includes(n));
    const firstShadow = shadowed[0];
    if (firstShadow !== undefined) {
      const by = shadowingVhost(live, h, firstShadow);
      notes.push(
        `${names.length ? `${shadowed.join(', ')} left out of` : 'no HTTPS site for'} the vhost ${vhostLabel(h)}: ` +
          `Apache answers ${shadowed.join(', ')} from the earlier vhost at ${by ? vhostLocation(by) : '?'} (give --vhost to choose this one)`,
      );
      if (names.length === 0) continue;
    }
    // an existing TLS vhost for the same site (same ServerName) is updated instead of adding a twin — when
    // the certificate covers that ServerName (else it is another certificate's site: another lineage's twin)
    const tls =
      [...live].find(
        (v) =>
          isTlsVhost(v, o.tlsPort) &&
          !usedTls.has(v) &&
          h.serverName !== null &&
          v.serverName === h.serverName &&
          certCovers(o.names, h.serverName),
      ) ?? null;
    if (tls) usedTls.add(tls);
    const notCovered = all.filter((n) => !certCovers(o.names, n));
    const elsewhere = notCovered.filter((n) => servedByOtherInstall(live, tls, n, o.tlsPort));
    sites.push({
      http: h,
      tls,
      names,
      uncovered: notCovered.filter((n) => !elsewhere.includes(n)),
      httpsElsewhere: elsewhere,
      documentRoot: h.documentRoot,
      redirected: o.redirect && !h.macro,
    });
  }
  for (const t of tlsVhosts) {
    if (usedTls.has(t)) continue;
    usedTls.add(t);
    const all = vhostNames(t);
    const names = all.length
      ? withServedCertNames(
          t,
          all.filter((n) => certCovers(o.names, n)),
          o.names,
        )
      : o.names;
    if (names.length === 0) throw coversNone(t, o.names);
    sites.push({
      http: null,
      tls: t,
      names,
      uncovered: [],
      httpsElsewhere: [],
      documentRoot: t.documentRoot,
      redirected: false,
    });
  }
  return sites;
}
