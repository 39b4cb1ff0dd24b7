/**
 * Apache: the public entry for installing a certificate (used by `certkit install apache`, by recorded
 * installers after renewals, and meant for `certkit request NAME` auto-install):
 *
 *   findSites(serverRoot, names)        which live vhosts serve these names (file:line, names, addresses)
 *   listVhosts(serverRoot, {ctl})       the `install apache --list --json` document (every vhost, live or not,
 *                                       cross-checked with `httpd -S` when Apache can be asked)
 *   installApache(options)              discover → pre-flight → plan → (dry run: diff) → apply with configtest,
 *                                       reload and verification of every installed name, or reverse every change
 *
 * Discovery reads the tree once into a snapshot; planning is pure (plan.ts); the engine applies and reverses.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CertkitError } from '../../errors.js';
import { applyPlan, isNoop, renderDiff, verifyServed, type VerifyEffect } from '../engine.js';
import { preflightCertificate } from '../preflight.js';
import { fetchPage, servedFingerprint, waitUntil } from '../probe.js';
import { vhostLocation, vhostNames, vhostServes, type ApacheConfig, type Vhost } from './config.js';
import { apacheVersion, askApache, configtest, defaultServerRoot, dumpVhosts, makeCtl } from './ctl.js';
import type { DumpedVhost } from './dump.js';
import {
  configOf,
  defaultTlsPort,
  discoverApache,
  planApacheInstall,
  type ApachePlan,
  type ApachePlanOptions,
} from './plan.js';
import type { TlsProfile } from './profiles.js';

export interface ApacheInstallOptions {
  lineage: string;
  /** the names to install (a lineage's domains); default: the certificate's (its subjectAltNames) */
  names?: string[];
  fullchainPath: string;
  keyPath: string;
  serverRoot?: string;
  ctl?: string;
  vhost?: string;
  redirect?: boolean;
  hsts?: boolean;
  tls?: TlsProfile;
  basicAuth?: string;
  authPath?: string;
  /**
   * default: the port of the site's existing TLS vhost (certkit's twin first), else the TLS Listen the tree
   * declares for the site's address, else 443 (ports.ts defaultTlsPort)
   */
  tlsPort?: number;
  dryRun?: boolean;
  backupRoot?: string | null;
  onStep?: (m: string) => void;
}

export interface ApacheInstallResult {
  changed: string[];
  noop: boolean;
  diff: string;
  notes: string[];
  fingerprint: string;
  sites: {
    names: string[];
    from: string | null;
    tls: string | null;
    redirected: boolean;
    notRedirected: string[];
  }[];
  verified: { tls: string; names: string[]; redirect: string | null } | null;
  backupDir: string | null;
  reloaded?: boolean;
}

const connectHost = (h: string) => (h === '*' || h === '_default_' || h === '' ? '127.0.0.1' : h);

export interface ListedVhost {
  /** file:line as Apache reports it (for a macro vhost: the Use line) */
  location: string;
  file: string;
  line: number;
  /** the real file certkit edits */
  source: string;
  macro: { name: string; file: string; line: number } | null;
  names: string[];
  serverName: string | null;
  aliases: string[];
  addresses: string[];
  ssl: boolean;
  live: boolean;
  offBecause: string[];
  documentRoot: string | null;
}

export function describeVhost(v: Vhost): ListedVhost {
  return {
    location: vhostLocation(v),
    file: v.includedAs,
    line: v.line,
    source: v.file,
    macro: v.macro ?? null,
    names: vhostNames(v),
    serverName: v.serverName,
    aliases: v.aliases,
    addresses: v.addressText,
    ssl: v.ssl,
    live: v.live,
    offBecause: v.offBecause,
    documentRoot: v.documentRoot,
  };
}

/** Compares certkit's live vhosts with Apache's `-S` (by file:line; names where the vhost has a ServerName). */
export function compareWithApache(cfg: ApacheConfig, apache: DumpedVhost[]): string[] {
  const differences: string[] = [];
  const key = (file: string, line: number, macro?: { file: string; line: number }) =>
    macro ? `${macro.file}:${macro.line}>${line}` : `${file}:${line}`;
  const ours = new Map(cfg.vhosts.map((v) => [key(v.includedAs, v.line, v.macro), v]));
  const theirs = new Map(apache.map((d) => [key(d.file, d.line, d.macro), d]));
  for (const [k, v] of ours) {
    const d = theirs.get(k);
    if (!d) {
      differences.push(`certkit sees a live vhost at ${vhostLocation(v)} that Apache does not`);
      continue;
    }
    if (v.serverName && d.name.toLowerCase() !== v.serverName)
      differences.push(`${vhostLocation(v)}: ServerName ${v.serverName} (Apache: ${d.name})`);
    if (!d.aliasesKnown) continue; // -S does not print aliases of an address with a single vhost
    const a = [...v.aliases].sort().join(' ');
    const b = d.aliases
      .map((x) => x.toLowerCase())
      .sort()
      .join(' ');
    if (a !== b) differences.push(`${vhostLocation(v)}: aliases ${a || '-'} (Apache: ${b || '-'})`);
  }
  for (const [k, d] of theirs)
    if (!ours.has(k))
      differences.push(
        `Apache serves a vhost at ${d.macro ? `${d.macro.file}:${d.macro.line}` : `${d.file}:${d.line}`} that certkit missed`,
      );
  return differences;
}

/** The `install apache --list --json` document. */
export async function listVhosts(serverRoot?: string, o: { ctl?: string } = {}) {
  const root = resolve(serverRoot ?? defaultServerRoot());
  const cfg = configOf(discoverApache(root, 'list'));
  // every relative Include resolves against ServerRoot: without it there is nothing to list (Apache won't start)
  const httpdRoot = resolve(root, cfg.httpdRoot);
  if (!statSync(httpdRoot, { throwIfNoEntry: false })?.isDirectory())
    throw new CertkitError(
      'not-found',
      `the ServerRoot ${httpdRoot} of ${cfg.mainFile} is not a directory, so no vhost can be read`,
      'fix its ServerRoot line, or give --server-root the tree Apache really runs',
    );
  const ctl = makeCtl(cfg, o.ctl);
  const asked = await askApache(ctl);
  const apache = 'vhosts' in asked ? asked.vhosts : null;
  return {
    schemaVersion: 1,
    serverRoot: root,
    layout: cfg.layout,
    mainFile: cfg.mainFile,
    defines: [...cfg.defines.keys()],
    vhosts: cfg.allVhosts.map(describeVhost),
    apache: apache
      ? { asked: true, differences: compareWithApache(cfg, apache) }
      : {
          asked: false,
          differences: [],
          cause: `${ctl.describe} -S failed: ${'cause' in asked ? asked.cause : ''}`,
        },
  };
}

/** Which live vhosts serve these names (for callers that want to know before installing). */
export function findSites(serverRoot: string, names: string[]): ListedVhost[] {
  const cfg = configOf(discoverApache(resolve(serverRoot), 'find'));
  return cfg.vhosts.filter((v) => names.some((n) => vhostServes(v, n))).map(describeVhost);
}

function sitePort(v: Vhost | null, fallback: number): number {
  return v?.addresses.find((a) => a.port)?.port ?? fallback;
}

export async function installApache(options: ApacheInstallOptions): Promise<ApacheInstallResult> {
  // Apache resolves relative paths against its ServerRoot, not our directory: only absolute ones go in
  const o = {
    ...options,
    fullchainPath: resolve(options.fullchainPath),
    keyPath: resolve(options.keyPath),
    basicAuth: options.basicAuth && resolve(options.basicAuth),
  };
  const step = o.onStep ?? (() => {});
  const serverRoot = resolve(o.serverRoot ?? defaultServerRoot());
  const discovery = discoverApache(serverRoot, o.lineage);
  const cfg: ApacheConfig = configOf(discovery);
  const ctl = makeCtl(cfg, o.ctl);
  step(`configuration test before any change (${ctl.describe})`);
  await configtest(ctl, 'before');
  step('pre-flight of the certificate files');
  const pre = await preflightCertificate(o.fullchainPath, o.keyPath, o.names ?? []);
  // without a lineage's domains, the certificate's own names (each vhost's names are checked against them)
  const names = o.names ?? pre.names;
  if (names.length === 0)
    throw new CertkitError('input', `refused before any reload: ${o.fullchainPath} names no host`);
  const version = await apacheVersion(ctl);
  const planOpts: ApachePlanOptions = {
    lineage: o.lineage,
    names,
    fullchainPath: o.fullchainPath,
    keyPath: o.keyPath,
    vhost: o.vhost,
    redirect: o.redirect !== false,
    hsts: !!o.hsts,
    tls: o.tls ?? 'intermediate',
    basicAuth: o.basicAuth ? { htpasswd: o.basicAuth, path: o.authPath ?? '/' } : undefined,
    tlsPort: o.tlsPort ?? defaultTlsPort(cfg, { lineage: o.lineage, names, vhost: o.vhost }),
    ocspStapling: pre.hasOcsp,
    unsafeAllow3F: !version || version[0] > 2 || (version[0] === 2 && (version[1] > 4 || version[2] >= 60)),
    fingerprint: pre.fingerprint,
  };
  const plan: ApachePlan = planApacheInstall(discovery, planOpts);
  const notes = [...plan.notes];
  const apache = await dumpVhosts(ctl);
  if (apache) for (const d of compareWithApache(cfg, apache)) notes.push(`Apache and certkit disagree: ${d}`);
  const result: ApacheInstallResult = {
    changed: [],
    noop: isNoop(plan),
    diff: renderDiff(plan),
    notes,
    fingerprint: pre.fingerprint,
    sites: plan.sites.map((s) => ({
      names: s.names,
      from: s.http ? vhostLocation(s.http) : null,
      tls: s.tls ? vhostLocation(s.tls) : null,
      redirected: s.redirected,
      notRedirected: s.uncovered,
    })),
    verified: null,
    backupDir: null,
  };
  if (o.dryRun) return result;

  const tlsPort = planOpts.tlsPort;
  const verifyEffects = plan.effects.filter((e): e is VerifyEffect => e.kind === 'verify');
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- names is not empty (refused above)
  const probeName = verifyEffects[0]?.name ?? names[0]!;
  // what each name serves over HTTP now: after the install, HTTPS must serve the same site
  const pages = new Map<string, { status: number; bodySha256: string }>();
  for (const s of plan.sites) {
    if (!s.http) continue;
    const host = connectHost(s.http.addresses[0]?.host ?? '127.0.0.1');
    for (const n of s.names.filter((x) => !/[*?]/.test(x))) {
      const page = await fetchPage('http', host, sitePort(s.http, 80), n, '/').catch(() => null);
      if (page && (page.status < 300 || page.status >= 400)) pages.set(n, page);
    }
  }
  let served = '';
  const verifyTls = async (e: VerifyEffect) => {
    step(`verify: ${e.host}:${e.port} with SNI ${e.name} serves ${e.fingerprint.slice(0, 23)}…`);
    served = await verifyServed(e);
  };
  const verifySites = async () => {
    let redirect: string | null = null;
    for (const s of plan.sites) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a planned site has a TLS vhost, an HTTP vhost, or both
      const host = connectHost((s.tls ?? s.http)!.addresses[0]?.host ?? '127.0.0.1');
      // a new twin must serve its own site (an updated TLS vhost already served whatever it serves)
      const twin = s.tls === null && !planOpts.basicAuth;
      for (const n of twin ? s.names.filter((x) => !/[*?]/.test(x)) : []) {
        const before = pages.get(n);
        if (!before) continue;
        const now = await fetchPage('https', host, tlsPort, n, '/');
        const other = [...pages.entries()].find(
          ([m, p]) => m !== n && p.bodySha256 === now.bodySha256 && p.bodySha256 !== before.bodySha256,
        );
        if (now.status !== before.status || other)
          throw new CertkitError(
            'deploy',
            `https://${n}/ answered ${now.status}${other ? ` with the page of ${other[0]}` : ''} where http://${n}/ answered ${before.status}`,
          );
      }
      if (!s.http || !s.redirected) continue;
      const httpHost = connectHost(s.http.addresses[0]?.host ?? '127.0.0.1');
      const port = sitePort(s.http, 80);
      for (const n of s.names.filter((x) => !/[*?]/.test(x))) {
        const expected = `https://${n}${tlsPort === 443 ? '' : `:${tlsPort}`}/certkit-probe`;
        const r = await fetchPage('http', httpHost, port, n, '/certkit-probe');
        if (r.status !== 301 || r.location !== expected)
          throw new CertkitError(
            'deploy',
            `http://${n}/ answered ${r.status} ${r.location ?? ''} instead of 301 ${expected}`,
          );
        redirect ??= `${r.status} ${r.location}`;
      }
      for (const n of s.uncovered.filter((x) => !/[*?]/.test(x))) {
        const r = await fetchPage('http', httpHost, port, n, '/certkit-probe');
        if (r.status === 301 && r.location?.startsWith('https://'))
          throw new CertkitError(
            'deploy',
            `http://${n}/ is redirected to HTTPS although the certificate does not cover it`,
          );
      }
    }
    result.verified = { tls: served, names: verifyEffects.map((e) => e.name), redirect };
  };
  const verifyAll = async () => {
    for (const e of verifyEffects) await verifyTls(e);
    await verifySites();
  };

  if (result.noop) {
    step('configuration already in place; checking what is served');
    try {
      await verifyAll();
    } catch {
      // renewed on disk but the server still has the old certificate loaded: reload it
      step('the served certificate differs: graceful reload');
      const r = await ctl.run('graceful');
      if (r.code !== 0)
        throw new CertkitError('deploy', `the graceful reload failed: ${r.output.split('\n').pop()}`);
      await verifyAll();
      result.reloaded = true;
    }
    return result;
  }
  const firstHttp = plan.sites.find((s) => s.http)?.http ?? null;
  const alive = () =>
    waitUntil(async () => {
      try {
        await servedFingerprint(verifyEffects[0]?.host ?? '127.0.0.1', tlsPort, probeName);
      } catch {
        await fetchPage(
          'http',
          connectHost(firstHttp?.addresses[0]?.host ?? '127.0.0.1'),
          sitePort(firstHttp, 80),
          probeName,
        );
      }
      return true;
    }, 3000);
  const applied = await applyPlan(
    plan,
    {
      test: () => configtest(ctl, 'after'),
      reload: async (e) => {
        step(e.what === 'restart' ? 'restart (stop + start)' : 'graceful reload');
        if (e.what === 'restart') {
          await ctl.run('stop');
          const r = await ctl.run('start');
          if (r.code !== 0)
            throw new CertkitError('deploy', `Apache did not start: ${r.output.split('\n').pop()}`);
        } else {
          const r = await ctl.run('graceful');
          if (r.code !== 0)
            throw new CertkitError('deploy', `the graceful reload failed: ${r.output.split('\n').pop()}`);
        }
      },
      verify: verifyTls,
      afterVerify: verifySites,
      recover: async () => {
        step('restoring: files are back, reloading the old configuration');
        await ctl.run('graceful');
        if (!(await alive())) {
          const r = await ctl.run('start');
          if (r.code !== 0 && !(await alive())) throw new Error(r.output.split('\n').pop() ?? 'start failed');
        }
      },
    },
    o.backupRoot ?? null,
  );
  result.changed = applied.changed;
  result.backupDir = applied.backupDir;
  return result;
}
