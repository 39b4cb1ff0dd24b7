/**
 * `certkit install apache`: discover → pre-flight the certificate → plan → (dry run: diff) → apply with
 * configtest, graceful reload and verification (new fingerprint served with SNI, HTTP answers 301), or
 * restore every file and bring Apache back.
 */
import { CertkitError } from '../../errors.js';
import { applyPlan, isNoop, renderDiff, verifyServed, type Plan, type VerifyEffect } from '../engine.js';
import { preflightCertificate } from '../preflight.js';
import { httpHead, servedFingerprint, waitUntil } from '../probe.js';
import { loadApacheConfig, vhostNames, type ApacheConfig } from './config.js';
import { apacheVersion, configtest, defaultServerRoot, makeCtl } from './ctl.js';
import { configOf, discoverApache, pickVhosts, planApacheInstall, type ApachePlanOptions } from './plan.js';
import type { TlsProfile } from './profiles.js';

export interface ApacheInstallOptions {
  lineage: string;
  names: string[];
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
  verified: { tls: string; redirect: string | null } | null;
  backupDir: string | null;
  reloaded?: boolean;
}

const connectHost = (h: string) => (h === '*' || h === '_default_' || h === '' ? '127.0.0.1' : h);

export function listVhosts(serverRoot?: string) {
  const cfg = loadApacheConfig(serverRoot ?? defaultServerRoot());
  return cfg.vhosts.map((v) => ({
    file: v.file,
    addresses: v.block.args.join(' '),
    names: vhostNames(v),
    ssl: v.ssl,
  }));
}

export async function installApache(o: ApacheInstallOptions): Promise<ApacheInstallResult> {
  const step = o.onStep ?? (() => {});
  const serverRoot = o.serverRoot ?? defaultServerRoot();
  const discovery = discoverApache(serverRoot, o.lineage);
  const cfg: ApacheConfig = configOf(discovery);
  const ctl = makeCtl(serverRoot, cfg.layout, o.ctl);
  step(`configuration test before any change (${ctl.describe})`);
  await configtest(ctl, 'before');
  step('pre-flight of the certificate files');
  const pre = await preflightCertificate(o.fullchainPath, o.keyPath, o.vhost ? [o.vhost] : o.names);
  const version = await apacheVersion(ctl);
  const planOpts: ApachePlanOptions = {
    lineage: o.lineage,
    names: o.names,
    fullchainPath: o.fullchainPath,
    keyPath: o.keyPath,
    vhost: o.vhost,
    redirect: o.redirect !== false,
    hsts: !!o.hsts,
    tls: o.tls ?? 'intermediate',
    basicAuth: o.basicAuth ? { htpasswd: o.basicAuth, path: o.authPath ?? '/' } : undefined,
    tlsPort: o.tlsPort ?? 443,
    ocspStapling: pre.hasOcsp,
    unsafeAllow3F: !version || version[0] > 2 || (version[0] === 2 && (version[1] > 4 || version[2] >= 60)),
    fingerprint: pre.fingerprint,
  };
  const plan: Plan = planApacheInstall(discovery, planOpts);
  const diff = renderDiff(plan);
  const result: ApacheInstallResult = {
    changed: [],
    noop: isNoop(plan),
    diff,
    notes: plan.notes,
    fingerprint: pre.fingerprint,
    verified: null,
    backupDir: null,
  };
  if (o.dryRun) return result;

  const { http } = pickVhosts(cfg, planOpts);
  const verifyEffects = plan.effects.filter((e): e is VerifyEffect => e.kind === 'verify');
  const primary = verifyEffects[0]!;
  const httpAddr = http[0]?.addresses[0];
  const tlsPort = planOpts.tlsPort;
  const expectedLocation = `https://${primary.name}${tlsPort === 443 ? '' : `:${tlsPort}`}/certkit-probe`;
  let served = '';
  const verifyTls = async (e: VerifyEffect) => {
    step(
      `verify: TLS handshake to ${e.host}:${e.port} (SNI ${e.name}) serves ${e.fingerprint.slice(0, 23)}…`,
    );
    served = await verifyServed(e);
  };
  const verifyRedirect = async () => {
    let redirect: string | null = null;
    if (planOpts.redirect && httpAddr) {
      const r = await httpHead(
        connectHost(httpAddr.host),
        httpAddr.port || 80,
        primary.name,
        '/certkit-probe',
      );
      if (r.status !== 301 || r.location !== expectedLocation) {
        throw new CertkitError(
          'deploy',
          `the HTTP side answered ${r.status} ${r.location ?? ''} instead of 301 ${expectedLocation}`,
        );
      }
      redirect = `${r.status} ${r.location}`;
    }
    result.verified = { tls: served, redirect };
  };
  const verifyAll = async () => {
    for (const e of verifyEffects) await verifyTls(e);
    await verifyRedirect();
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
  const alive = () =>
    waitUntil(async () => {
      try {
        await servedFingerprint(primary.host, tlsPort, primary.name);
      } catch {
        await httpHead(connectHost(httpAddr?.host ?? '127.0.0.1'), httpAddr?.port || 80, primary.name);
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
      afterVerify: verifyRedirect,
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
