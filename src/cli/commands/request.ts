import { readFile } from 'node:fs/promises';
import { CertkitError, usageError } from '../../errors.js';
import { parseKeyType } from '../../csr/keygen.js';
import { normalizeName } from '../../csr/names.js';
import { loadAccount } from '../../acme/account.js';
import { AcmeClient, deadlinesFromSeconds, type Deadlines } from '../../acme/client.js';
import { newAccountKeyPem } from '../../acme/account.js';
import { obtainForLineage } from '../../acme/obtain.js';
import { EAB_REQUIRED, resolveServer } from '../../acme/servers.js';
import { checkNamesForSolver } from '../../acme/issue.js';
import type { ChallengeSettings } from '../../acme/solvers/types.js';
import type { SolverIo } from '../../acme/solvers/index.js';
import { lineageNameFor } from '../../store/paths.js';
import { Store } from '../../store/store.js';
import type { Context } from '../context.js';

export interface RequestFlags {
  server: string;
  email?: string;
  agreeTos?: boolean;
  eabKid?: string;
  eabHmacKeyFile?: string;
  webroot?: string;
  standalone?: boolean;
  httpPort: string;
  httpAddress?: string;
  dnsHook?: string;
  dnsResolver?: string;
  dnsWait: string;
  manual?: boolean;
  keyType: string;
  reuseKey?: boolean;
  profile?: string;
  preferredChain?: string;
  name?: string;
  deployHook?: string;
  install?: string[];
  dryRun?: boolean;
  timeout?: string;
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
  const port = Number(f.httpPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw usageError(`--http-port must be a port number, not "${f.httpPort}"`);
  if (f.standalone) return { type: 'standalone', port, address: f.httpAddress ?? '' };
  throw usageError(
    'how should certkit prove control of the names?',
    'add --webroot DIR (a running web server), --standalone (port 80 free), --dns-hook CMD, or --manual',
  );
}

export function solverIo(ctx: Context): SolverIo {
  return {
    interactive: !!process.stdin.isTTY && !!process.stdout.isTTY,
    say: (l) => ctx.err(l),
    waitEnter: () =>
      new Promise((resolve) => {
        process.stdin.resume();
        process.stdin.once('data', () => {
          process.stdin.pause();
          resolve();
        });
      }),
  };
}

async function agreeToTerms(
  ctx: Context,
  directoryUrl: string,
  flags: RequestFlags,
  deadlines: Deadlines,
): Promise<boolean> {
  if (flags.agreeTos) return true;
  if (await loadAccount(ctx.storeRoot, directoryUrl)) return true; // already agreed when registering
  const dir = await new AcmeClient({
    directoryUrl,
    accountKeyPem: newAccountKeyPem(),
    deadlines,
  }).directory();
  const tos = dir.meta?.termsOfService;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CertkitError(
      'usage',
      `the CA's terms of service must be accepted${tos ? ` (${tos})` : ''}`,
      'read them and add --agree-tos',
    );
  }
  const { confirm } = await import('@inquirer/prompts');
  return confirm({
    message: `Do you agree to the CA's terms of service${tos ? ` at ${tos}` : ''}?`,
    default: false,
  });
}

export async function runRequest(ctx: Context, domains: string[], flags: RequestFlags): Promise<number> {
  const names: string[] = [];
  for (const d of domains) {
    const n = normalizeName(d);
    if (n.converted && !ctx.quiet) ctx.err(`note: ${d} is an internationalised name: requesting ${n.ascii}`);
    if (!names.includes(n.ascii)) names.push(n.ascii);
  }
  let directoryUrl: string;
  try {
    directoryUrl = resolveServer(flags.server);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const deadlines = deadlinesFromSeconds(flags.timeout);
  const challenge = challengeFromFlags(flags);
  checkNamesForSolver(
    names,
    challenge.type === 'dns-hook' || (challenge.type === 'manual' && names.some((n) => n.startsWith('*.')))
      ? 'dns-01'
      : 'http-01',
  );
  const keyType = parseKeyType(flags.keyType);
  if ((flags.eabKid && !flags.eabHmacKeyFile) || (!flags.eabKid && flags.eabHmacKeyFile)) {
    throw usageError('external account binding needs both --eab-kid and --eab-hmac-key-file');
  }
  const eab = flags.eabKid
    ? { kid: flags.eabKid, hmacKey: (await readFile(flags.eabHmacKeyFile!, 'utf8')).trim() }
    : undefined;
  if (!eab && EAB_REQUIRED.has(directoryUrl) && !(await loadAccount(ctx.storeRoot, directoryUrl))) {
    throw usageError(
      `${flags.server} requires external account binding for new accounts`,
      "give --eab-kid and --eab-hmac-key-file from the CA's dashboard",
    );
  }
  const lineage = flags.name ?? lineageNameFor(names[0]!);
  Store.checkName(lineage);
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
  if (!(await agreeToTerms(ctx, directoryUrl, flags, deadlines)))
    throw new CertkitError('usage', 'the terms of service were not accepted; nothing was done');
  const store = new Store(ctx.storeRoot);
  const started = Date.now();
  const result = await obtainForLineage(store, {
    lineage,
    acme: {
      directoryUrl,
      email: flags.email,
      challenge,
      keyType,
      reuseKey: !!flags.reuseKey,
      profile: flags.profile,
      preferredChain: flags.preferredChain,
      names,
    },
    register: { agreeTos: true, email: flags.email, eab, deadlines },
    deployHook: flags.deployHook,
    io: solverIo(ctx),
    onStep: (m) => ctx.progress(`• ${m}`),
  });
  let installs: unknown[] = [];
  if (flags.install?.length) {
    const { installAfterIssue } = await import('../../deploy/after-issue.js');
    const { installerOptions } = await import('./install.js');
    installs = await installAfterIssue(ctx, store, lineage, flags.install, installerOptions(flags as never));
  }
  if (ctx.json)
    ctx.out(
      JSON.stringify(
        { schemaVersion: 1, ...result, installs, seconds: (Date.now() - started) / 1000 },
        null,
        2,
      ),
    );
  else if (!ctx.quiet) {
    ctx.out(
      `certificate for ${result.names.join(', ')} is live as "${result.lineage}" version ${result.version}`,
    );
    ctx.out(`  expires ${result.notAfter}; issuer ${result.issuer}`);
    ctx.out(`  ${result.livePath}/fullchain.pem and privkey.pem`);
  }
  return 0;
}
