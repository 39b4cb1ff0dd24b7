/**
 * Plans an Apache install as a pure function of a snapshot (see ../snapshot.ts). The public entry: importers
 * use this file; the decisions live beside it, one concern a file:
 * - discover.ts: `discoverApache` reads the tree and every path the plan may touch, once (the only reading);
 * - modules.ts: the modules needed, what loading them turns on/off elsewhere, enabling them the layout's way;
 * - sites.ts: which vhosts the certificate serves (--vhost or its names) and how they pair into sites;
 * - tls-twin.ts: an existing TLS vhost updated in place, or an HTTPS twin of the HTTP vhost;
 * - redirect.ts: the HTTP→HTTPS redirect, only for the names the certificate covers;
 * - ports.ts: the HTTPS port a lineage already uses, the twin's address and Listen, where verification connects;
 * - managed.ts: the "# BEGIN certkit X" … "# END certkit X" blocks regenerated each run;
 * - edits.ts: decisions turned into effects (edited files, new files and their directories, links, includes).
 *
 * `planApacheInstall` evaluates the tree as Apache will see it AFTER the change (the modules the plan loads
 * count as loaded: <IfModule mod_ssl.c> wakes up, <IfModule !mod_ssl.c> goes dark — both reported), then:
 * - one HTTPS twin per site serving the certificate's names: a copy of the HTTP vhost (DocumentRoot,
 *   Directory blocks, its own Rewrite/Redirect/Proxy rules — only a rule that itself redirects to https://
 *   stays on the HTTP side) with the names the certificate covers; an existing TLS vhost is updated in place;
 * - the HTTP→HTTPS redirect in each HTTP site, only for the names the certificate covers;
 * - modules, Listen, the TLS profile snippet, stapling cache, the layout's way;
 * - a reload, and a verification per installed name (TLS handshake with that SNI).
 * Managed text is regenerated each run, so a second run changes nothing. Edited files keep their mode, owner
 * and group; new files are 0644.
 */
import { join } from 'node:path';
import { configOf, type ApacheDiscovery } from './discover.js';
import { planEdits, type PlanEdits } from './edits.js';
import { enableModules, moduleChange, modulesNeeded } from './modules.js';
import type { ApachePlan, ApachePlanOptions, PlannedSite } from './plan-options.js';
import { connectHost } from './ports.js';
import { tlsProfileSnippet } from './profiles.js';
import { planRedirects } from './redirect.js';
import { planSites } from './sites.js';
import { planTlsVhosts } from './tls-twin.js';

export { configOf, discoverApache, type ApacheDiscovery } from './discover.js';
export { stripManaged } from './managed.js';
export type { ApachePlan, ApachePlanOptions, PlannedSite } from './plan-options.js';
export { declaredTlsPort, defaultTlsPort, existingTlsPort } from './ports.js';
export { certCovers, planSites, selectVhosts } from './sites.js';

export function planApacheInstall(d: ApacheDiscovery, o: ApachePlanOptions): ApachePlan {
  const before = configOf(d);
  const missing = modulesNeeded(o).filter((m) => !before.modules.has(m));
  const cfg = configOf(d, { assumeModules: missing });

  // what the module change does to the rest of the configuration
  const { woken, lost, notes } = moduleChange(before, cfg, missing, o.names);
  // a snippet included by every TLS vhost (certkit's profile, certbot's options-ssl-apache.conf) is no news
  for (const f of cfg.includedTwice.filter((t) => cfg.allVhosts.some((v) => v.file === t)))
    notes.push(`${f} is included twice (its vhosts are listed once)`);

  const sites = planSites(cfg, o, notes);
  const edits = planEdits(cfg);
  const profileFile = join(cfg.serverRoot, 'certkit', `tls-${o.tls}.conf`);
  edits.write(profileFile, tlsProfileSnippet(o.tls));

  // 1. TLS vhosts: update in place, or one twin per site
  planTlsVhosts(cfg, sites, o, profileFile, edits, notes);
  // 2. the redirect (or its removal) in each HTTP site, only for the names the certificate covers
  planRedirects(sites, o, edits, notes);
  // 3. modules the layout's way
  enableModules(cfg, missing, edits, notes);
  // 4. OCSP stapling needs a server-wide cache
  if (o.ocspStapling) {
    const stapleFile = join(cfg.serverRoot, 'certkit', 'stapling.conf');
    edits.write(
      stapleFile,
      `# Managed by certkit\nSSLStaplingCache shmcb:${cfg.env.APACHE_RUN_DIR ?? 'logs'}/certkit_stapling(32768)\n`,
    );
    edits.includeFromMain(stapleFile, false);
  }

  const edited = edits.writeEdited();

  // 5. reload (a restart when stapling goes away: graceful then kills httpd, AH01872), then verify every name
  const stoppingStapling = edited.some(
    (e) => /SSLUseStapling on/i.test(e.before) && !/SSLUseStapling on/i.test(e.after),
  );
  edits.add({ kind: 'reload', what: stoppingStapling ? 'restart' : 'graceful' });
  addVerifications(sites, o, edits);
  return {
    target: 'apache',
    snapshot: d.snapshot,
    effects: edits.effects(),
    notes,
    sites,
    woken,
    lost,
  };
}

/** One TLS handshake per installed name (wildcards cannot be asked for) and address, expecting the new certificate. */
function addVerifications(sites: PlannedSite[], o: ApachePlanOptions, edits: PlanEdits): void {
  const verified = new Set<string>();
  for (const s of sites) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a planned site has a TLS vhost, an HTTP vhost, or both
    const v = s.tls ?? s.http!;
    const host = connectHost(v.addresses[0]?.host ?? '127.0.0.1');
    for (const n of s.names.filter((x) => !/[*?]/.test(x))) {
      if (verified.has(`${host} ${n}`)) continue;
      verified.add(`${host} ${n}`);
      edits.add({ kind: 'verify', host, port: o.tlsPort, name: n, fingerprint: o.fingerprint });
    }
  }
}
