import { stat } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { usageError } from '../../errors.js';
import { KEY_TYPES, parseKeyType, type KeyType } from '../../csr/keygen.js';
import { normalizeName } from '../../csr/names.js';
import { nameSyntaxViolation } from '../../csr/rules.js';
import { subjectAltNames } from '../../pki/facts.js';
import { compareNames, droppedNamesError, nameChangeLine } from '../../acme/name-change.js';
import { liveAccount } from '../../acme/account-ops.js';
import { AcmeClient, deadlinesFromSeconds } from '../../acme/client.js';
import { newAccountKeyPem } from '../../acme/account.js';
import { obtainForLineage } from '../../acme/obtain.js';
import { EAB_REQUIRED, resolveServer } from '../../acme/servers.js';
import { checkNamesForSolver } from '../../acme/issue.js';
import type { ChallengeSettings } from '../../acme/solvers/types.js';
import {
  accountQuestions,
  autoInstallOptions,
  chooseAutomatically,
  crossCheckDefaultSite,
  closingSummary,
  renewalLine,
  ensureRenewalSchedule,
  sayDecision,
  installIfNotYet,
} from './request-auto.js';
import { lineageNameFor } from '../../store/paths.js';
import { Store } from '../../store/store.js';
import type { Context } from '../context.js';
import type { InstallFlags } from '../installer-flags.js';
import { solverIo } from '../solver-io.js';
import { deployVersion } from '../../acme/deploy.js';
import { eabFromFlags } from '../../acme/eab.js';
import { decideRenewal } from '../../acme/policy.js';

export interface RequestFlags extends InstallFlags {
  server: string;
  email?: string | false;
  agreeTos?: boolean;
  eabKid?: string;
  eabHmacKeyFile?: string;
  webroot?: string;
  standalone?: boolean;
  httpPort?: string;
  httpAddress?: string;
  dnsHook?: string;
  dnsResolver?: string;
  dnsWait: string;
  manual?: boolean;
  keyType?: string;
  reuseKey?: boolean;
  profile?: string;
  preferredChain?: string;
  name?: string;
  deployHook?: string;
  install?: string[] | false;
  serverRoot?: string;
  ctl?: string;
  tlsPort?: string;
  schedule?: boolean;
  dryRun?: boolean;
  timeout?: string;
  force?: boolean;
  replaceNames?: boolean;
}

export function challengeFromFlags(f: RequestFlags): ChallengeSettings {
  const chosen = [
    f.webroot && 'webroot',
    f.standalone && 'standalone',
    f.dnsHook && 'dns-hook',
    f.manual && 'manual',
  ].filter(Boolean);
  if (chosen.length > 1) throw usageError(`choose one way to answer challenges, not ${chosen.join(' and ')}`);
  if (f.webroot) return { type: 'webroot', webroot: f.webroot };
  if (f.dnsHook)
    return { type: 'dns-hook', hook: f.dnsHook, resolver: f.dnsResolver, waitSeconds: Number(f.dnsWait) };
  if (f.manual) return { type: 'manual' };
  const port = Number(f.httpPort ?? '80');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw usageError(`--http-port must be a port number, not "${f.httpPort}"`);
  if (f.standalone) return { type: 'standalone', port, address: f.httpAddress ?? '' };
  throw usageError(
    'how should certkit prove control of the names?',
    'add --webroot DIR (a running web server), --standalone (port 80 free), --dns-hook CMD, or --manual',
  );
}

/** The names normalised (IDN to punycode) and checked with csr's syntax rule, before anything else happens. */
function requestedNames(ctx: Context, domains: string[]): string[] {
  const names: string[] = [];
  for (const d of domains) {
    const n = normalizeName(d);
    const bad = nameSyntaxViolation(n.ascii);
    if (bad) throw usageError(bad.message, 'nothing was requested');
    if (n.converted && !ctx.quiet) ctx.err(`note: ${d} is an internationalised name: requesting ${n.ascii}`);
    if (!names.includes(n.ascii)) names.push(n.ascii);
  }
  return names;
}

export async function runRequest(ctx: Context, domains: string[], flags: RequestFlags): Promise<number> {
  const names = requestedNames(ctx, domains);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- commander requires at least one name
  const lineage = flags.name ?? lineageNameFor(names[0]!);
  Store.checkName(lineage);
  const store = new Store(ctx.storeRoot);
  const change = compareNames(await namesCovered(store, lineage), names);
  if (change.dropped.length && !flags.replaceNames) throw droppedNamesError(lineage, change);
  let directoryUrl: string;
  try {
    directoryUrl = resolveServer(flags.server);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const deadlines = deadlinesFromSeconds(flags.timeout);
  const auto = chooseAutomatically(ctx, names, flags);
  await crossCheckDefaultSite(auto, flags);
  const challenge = auto?.challenge ?? challengeFromFlags(flags);
  checkNamesForSolver(
    names,
    challenge.type === 'dns-hook' || (challenge.type === 'manual' && names.some((n) => n.startsWith('*.')))
      ? 'dns-01'
      : 'http-01',
  );
  const keyType = await lineageKeyType(store, lineage, flags);
  if (challenge.type === 'webroot' && !(await stat(challenge.webroot).catch(() => null))?.isDirectory())
    throw usageError(
      `--webroot ${challenge.webroot} is not an existing directory`,
      "give the site's DocumentRoot",
    );
  const eab = await eabFromFlags(flags);
  if (!eab && EAB_REQUIRED.has(directoryUrl) && !(await liveAccount(ctx.storeRoot, directoryUrl))) {
    throw usageError(
      `${flags.server} requires external account binding for new accounts`,
      "give --eab-kid and --eab-hmac-key-file from the CA's dashboard",
    );
  }
  const changeLine = nameChangeLine(lineage, change);
  if (changeLine) sayDecision(ctx, changeLine);
  // dropping names needs a new certificate, even when the one there is not due
  if (!flags.force && !change.dropped.length) {
    const current = await validNotDue(store, lineage, names, ctx.now);
    if (current) {
      const installs = flags.dryRun ? [] : await installIfNotYet(ctx, store, lineage, auto, flags);
      const schedule = flags.dryRun ? null : await ensureRenewalSchedule(ctx, flags);
      if (ctx.json)
        ctx.out(
          JSON.stringify(
            { schemaVersion: 1, lineage, names, unchanged: true, ...current, installs, renewal: schedule },
            null,
            2,
          ),
        );
      else if (!ctx.quiet) {
        ctx.out(
          `"${lineage}" already has a valid certificate for ${names.join(', ')} (expires ${current.notAfter.slice(0, 10)}, due for renewal ${current.dueAt.slice(0, 10)}): nothing requested (--force to get a new one now)`,
        );
        if (!flags.dryRun) ctx.out(renewalLine(schedule));
      }
      return 0;
    }
  }
  if (challenge.type === 'manual' && !ctx.quiet)
    ctx.err(
      'certkit: note: a --manual lineage cannot renew unattended (certkit renew needs you at a terminal); use --webroot, --standalone or --dns-hook for automatic renewals',
    );
  if (flags.dryRun) {
    const dir = await new AcmeClient({
      directoryUrl,
      accountKeyPem: newAccountKeyPem(),
      deadlines,
    }).directory();
    const plan = {
      dryRun: true,
      lineage,
      names,
      directoryUrl,
      challenge,
      keyType,
      ari: !!dir.renewalInfo,
      profiles: Object.keys(dir.meta?.profiles ?? {}),
    };
    ctx.out(
      ctx.json
        ? JSON.stringify(plan, null, 2)
        : `would request ${names.join(', ')} from ${directoryUrl} as lineage "${lineage}" using ${challenge.type}`,
    );
    return 0;
  }
  const account = await accountQuestions(ctx, directoryUrl, flags, deadlines);
  if (!account) return 130;
  const { email } = account;
  const started = Date.now();
  const result = await obtainForLineage(store, {
    lineage,
    acme: {
      directoryUrl,
      email,
      challenge,
      keyType,
      reuseKey: !!flags.reuseKey,
      profile: flags.profile,
      preferredChain: flags.preferredChain,
      names,
    },
    register: { agreeTos: true, email, eab, deadlines, replaceDeactivated: true },
    deployHook: flags.deployHook,
    io: solverIo(ctx),
    onStep: (m) => ctx.progress(`• ${m}`),
  });
  for (const n of result.notes) ctx.err(`note: ${n}`);
  await deployVersion(store, lineage, result.version, { onStep: (m) => ctx.progress(`• ${m}`) });
  let installs: unknown[] = [];
  const autoInstall = autoInstallOptions(ctx, auto, flags);
  const install = flags.install || (autoInstall ? ['apache'] : []);
  if (install.length) {
    const { installAfterIssue } = await import('../../deploy/after-issue.js');
    const { installerOptions } = await import('../installer-flags.js');
    const options = installerOptions({ ...flags, ...autoInstall });
    installs = await installAfterIssue(ctx.progress, store, lineage, install, options);
  }
  const schedule = await ensureRenewalSchedule(ctx, flags);
  const summary = closingSummary(
    result,
    installs,
    schedule,
    challenge,
    autoInstall?.tlsPort ?? flags.tlsPort,
  );
  if (ctx.json)
    ctx.out(
      JSON.stringify(
        {
          schemaVersion: 1,
          ...result,
          installs,
          ...summary.json,
          challenge,
          seconds: (Date.now() - started) / 1000,
        },
        null,
        2,
      ),
    );
  else if (!ctx.quiet) for (const line of summary.lines) ctx.out(line);
  return 0;
}

/**
 * The key type of a new certificate: --key-type, else the one the lineage records, so that re-requesting its names
 * (--force, a name added) keeps the lineage's key type instead of falling back to the default. With --reuse-key
 * the live key is kept, so asking for another type with it is refused.
 */
async function lineageKeyType(store: Store, lineage: string, flags: RequestFlags): Promise<KeyType> {
  const settings = await store.readSettings(lineage).catch(() => null);
  const recorded = settings?.acme?.keyType ?? settings?.keyType;
  const current =
    recorded && (KEY_TYPES as readonly string[]).includes(recorded) ? parseKeyType(recorded) : null;
  if (!flags.keyType) return current ?? 'ecdsa-p256';
  const asked = parseKeyType(flags.keyType);
  if (flags.reuseKey && current && asked !== current && (await store.readLive(lineage).catch(() => null)))
    throw usageError(
      `--reuse-key keeps "${lineage}"'s ${current} key, so it cannot become ${asked}; nothing was requested`,
      `drop --reuse-key to get a new ${asked} key`,
    );
  return asked;
}

/** The names the lineage covers now: its recorded names (unless only a CSR is pending) and its live certificate's. */
async function namesCovered(store: Store, lineage: string): Promise<string[]> {
  const settings = await store.readSettings(lineage).catch(() => null);
  const live = await store.readLive(lineage).catch(() => null);
  const recorded = settings && settings.source !== 'pending-csr' ? settings.domains : [];
  let cert: X509Certificate | null = null;
  try {
    cert = live ? new X509Certificate(live.certPem) : null;
  } catch {
    // a damaged live certificate covers nothing: the recorded names stand (the new version replaces it)
  }
  if (!cert) return recorded;
  const { dnsNames, ipAddresses } = subjectAltNames(cert);
  return [...recorded, ...dnsNames, ...ipAddresses];
}

/** The live certificate of the lineage when it covers every name and is not due; else null. */
async function validNotDue(
  store: Store,
  lineage: string,
  names: string[],
  now: Date,
): Promise<{ notAfter: string; dueAt: string } | null> {
  const live = await store.readLive(lineage).catch(() => null);
  if (!live || !(await store.readSettings(lineage).catch(() => null))) return null;
  const cert = new X509Certificate(live.certPem);
  const sans = (cert.subjectAltName ?? '').split(/,\s*/);
  if (!names.every((n) => sans.includes(`DNS:${n}`) || sans.includes(`IP Address:${n}`))) return null;
  const d = decideRenewal({ notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo), now });
  if (d.due || new Date(cert.validTo) <= now) return null;
  return { notAfter: new Date(cert.validTo).toISOString(), dueAt: d.dueAt.toISOString() };
}
