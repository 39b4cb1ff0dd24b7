/**
 * `certkit install asterisk`: pre-flight, plan (pure, over the files read once), dry run (a diff without key
 * material), then apply: back up and write atomically (modes and owners kept), touch + reload each part as
 * Asterisk needs, and verify each part on its OWN port by the served fingerprint (bounded retry) — never
 * trusting `asterisk -rx`, which exits 0 and says "reloaded successfully" whatever happened. On a failure every
 * file is restored (bytes, mode, owner), every part is reloaded again and the old certificates are checked.
 */
import { isIP } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { applyPlan, effectiveEffects, renderDiff, type VerifyEffect } from '../engine.js';
import { hideSecrets } from './hide-secrets.js';
import { preflightCertificate } from '../preflight.js';
import { servedFingerprint } from '../probe.js';
import {
  discoverAsterisk,
  PARTS,
  planAsteriskInstall,
  RELOAD_COMMANDS,
  type AsteriskPart,
  type Endpoint,
} from './plan.js';
import { asteriskGroupId, spawnRunner, touch, unreadableByGroup, type CommandRunner } from './host.js';

export { asteriskGroupId, spawnRunner, unreadableByGroup, type CommandRunner };

export { RELOAD_COMMANDS };

export interface AsteriskInstallOptions {
  lineage: string;
  names: string[];
  fullchainPath: string;
  keyPath: string;
  configDir?: string;
  keysDir?: string;
  parts?: string[];
  pjsipBind?: string;
  httpBind?: string;
  managerBind?: string;
  sipBind?: string;
  /** recorded by certkit before 0.2: meant PJSIP's bind */
  bind?: string;
  method?: string;
  asterisk?: string;
  dryRun?: boolean;
  backupRoot?: string | null;
  onStep?: (m: string) => void;
  /** injected for tests: how commands run, and the asterisk group id (undefined: look it up) */
  runner?: CommandRunner;
  asteriskGid?: number | null;
  verifyHost?: string;
  /** how long each part may take to serve the new certificate (chan_sip reloads asynchronously) */
  verifyTimeoutMs?: number;
}

/**
 * A --*-bind value: an IP address (IPv6 in brackets) with an optional port. Asterisk parses binds as numeric
 * addresses (a name or 999.1.1.1 would only fail at the verification, then roll back), so only those pass.
 */
function checkBind(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$/.exec(value.trim());
  const host = m?.[1] ?? m?.[2] ?? '';
  const port = m?.[3] === undefined ? 1 : Number(m[3]);
  if (!m || isIP(host) === 0 || (m[1] !== undefined && isIP(host) !== 6) || port < 1 || port > 65535)
    throw new CertkitError(
      'usage',
      `${flag} ${value}: not an IP address[:port]`,
      `e.g. ${flag} 0.0.0.0:5061 or ${flag} [::]:5061`,
    );
}

export async function installAsterisk(o: AsteriskInstallOptions) {
  const step = o.onStep ?? (() => {});
  const runner = o.runner ?? spawnRunner;
  const configDir = o.configDir ?? '/etc/asterisk';
  const keysDir = o.keysDir ?? '/etc/asterisk/keys';
  const method: 'tlsv1_2' | 'sslv23' | null =
    o.method === undefined || o.method === 'tlsv1_2' ? 'tlsv1_2' : o.method === 'sslv23' ? 'sslv23' : null;
  if (!method) throw new CertkitError('usage', `--method ${o.method}: use tlsv1_2 or sslv23`);
  for (const p of o.parts ?? [])
    if (!PARTS.includes(p as AsteriskPart)) throw new CertkitError('usage', `unknown Asterisk part "${p}"`);
  const binds: Partial<Record<AsteriskPart, string>> = {
    pjsip: o.pjsipBind ?? o.bind,
    http: o.httpBind,
    manager: o.managerBind,
    sip: o.sipBind,
  };
  for (const p of PARTS) checkBind(`--${p}-bind`, binds[p]);
  if (!(await stat(configDir).catch(() => null))?.isDirectory())
    throw new CertkitError(
      'not-found',
      `${configDir} does not exist`,
      'give the Asterisk configuration directory with --config-dir',
    );
  step('pre-flight of the certificate files');
  const pre = await preflightCertificate(o.fullchainPath, o.keyPath, o.names);
  const gid = o.asteriskGid === undefined ? asteriskGroupId() : o.asteriskGid;
  const planOptions = {
    lineage: o.lineage,
    configDir,
    keysDir,
    parts: o.parts as AsteriskPart[] | undefined,
    binds,
    method,
    fullchainPem: await readFile(o.fullchainPath, 'utf8'),
    keyPem: await readFile(o.keyPath, 'utf8'),
    asteriskGid: gid,
    uid: process.getuid?.() ?? 0,
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- install options always carry at least one name
    name: o.names[0]!,
    fingerprint: pre.fingerprint,
    nowMs: Date.now(),
    verifyHost: o.verifyHost,
  };
  const plan = planAsteriskInstall(discoverAsterisk(planOptions), planOptions);
  if (plan.parts.length === 0)
    throw new CertkitError(
      'usage',
      `no Asterisk part to configure in ${configDir}`,
      'choose with --pjsip, --http, --manager or --sip',
    );
  const written = effectiveEffects(plan).filter((e) => e.kind === 'write');
  const result = {
    parts: plan.parts,
    changed: [] as string[],
    noop: written.length === 0,
    diff: hideSecrets(renderDiff(plan)),
    notes: plan.notes,
    files: written.map((w) => ({ path: w.path, role: plan.roles.get(w.path), mode: w.mode.toString(8) })),
    reloads: [] as string[],
    reloadSkipped: false,
    verified: [] as string[],
    backupDir: null as string | null,
    fingerprint: pre.fingerprint,
  };
  if (o.dryRun) return result;

  const asterisk = o.asterisk ?? 'asterisk';
  const haveAsterisk = !(await runner(asterisk, ['-V'])).missing;
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every verify effect of the plan was made from one of plan.endpoints
  const endpointOf = (e: VerifyEffect) => plan.endpoints.find((x) => x.host === e.host && x.port === e.port)!;
  const served = (e: Endpoint) => servedFingerprint(e.host, e.port, o.names[0], 3000).catch(() => null);
  /** the part where it listened before the install (it may be moved by a --*-bind) */
  const previously = (e: Endpoint): Endpoint => (e.was ? { ...e, ...e.was } : e);
  const describe = (e: Endpoint, fp: string | null) =>
    `${e.what} on ${e.host}:${e.port} ${fp ? `serves ${fp.slice(0, 23)}…` : 'completes no TLS handshake'}`;
  /** Waits (bounded) until the part serves `expected`; returns what it serves last. */
  const waitFor = async (e: Endpoint, expected: string | null) => {
    const deadline = Date.now() + (o.verifyTimeoutMs ?? 10_000);
    for (;;) {
      const fp = await served(e);
      if (fp === expected || Date.now() > deadline) return fp;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const reload = async (command: string, record: boolean) => {
    step(`asterisk -rx '${command}'`);
    // its exit status and "reloaded successfully" prove nothing (each port is verified); only a daemon
    // that is not running is worth naming
    const r = await runner(asterisk, ['-rx', command]);
    if (/Unable to connect to remote asterisk/i.test(r.output))
      throw new CertkitError(
        'deploy',
        `Asterisk is not running (asterisk -rx: ${r.output.split('\n')[0]})`,
        'start Asterisk, then run certkit again',
      );
    if (/^No such command/i.test(r.output))
      throw new CertkitError(
        'deploy',
        `asterisk -rx '${command}': ${r.output.split('\n')[0]}: this Asterisk does not have that module loaded`,
        command === RELOAD_COMMANDS.sip
          ? 'chan_sip is gone since Asterisk 21: leave out --sip (PJSIP serves TLS with --pjsip)'
          : 'load the module, or leave that part out',
      );
    if (record) result.reloads.push(command);
  };
  const verify = async (e: Endpoint) => {
    const fp = await waitFor(e, pre.fingerprint);
    if (fp !== pre.fingerprint)
      throw new CertkitError(
        'deploy',
        `${describe(e, fp)}, not the new certificate`,
        'see the Asterisk log (/var/log/asterisk/messages)',
      );
    result.verified.push(`${e.what} ${e.host}:${e.port}`);
  };
  let recovered = '';

  /** Every part re-reads its files: the .conf files touched (they may have their old mtime), then reloaded. */
  const reloadEverything = async (record: boolean) => {
    for (const part of plan.parts) if (part !== 'pjsip') await touch(join(configDir, `${part}.conf`));
    for (const part of plan.parts)
      await reload(RELOAD_COMMANDS[part], record).catch((err: unknown) => {
        // while recovering, a part whose module is missing has nothing to reload: the others still do
        if (record || /not running/.test((err as Error).message)) throw err;
      });
  };
  if (result.noop) {
    step('files already in place: checking what each part serves');
    for (const e of plan.endpoints)
      if (haveAsterisk && (await served(e)) !== pre.fingerprint) {
        await reloadEverything(true);
        break;
      }
    if (haveAsterisk) for (const e of plan.endpoints) await verify(e);
    return result;
  }
  const before = haveAsterisk ? await Promise.all(plan.endpoints.map((e) => served(previously(e)))) : [];
  try {
    const applied = await applyPlan(
      plan,
      {
        test: async () => {
          if (gid === null) return;
          // files certkit creates must be readable by Asterisk after it drops root (files it overwrites
          // keep the access they had, which already worked)
          const created = written.filter(
            (w) => plan.roles.get(w.path) !== 'configuration' && !plan.snapshot.get(w.path)?.exists,
          );
          const problem = await unreadableByGroup(
            created.map((w) => w.path),
            gid,
          );
          if (problem)
            throw new CertkitError(
              'deploy',
              `the asterisk group cannot read ${problem}`,
              'Asterisk reads its keys after dropping root: fix the directory permissions',
            );
        },
        reload: async (e) => {
          if (haveAsterisk) return reload(e.what, true);
          if (!result.reloadSkipped)
            result.notes.push(
              `no "${asterisk}" binary here: the files are written, the reload was skipped (touch manager.conf, then run: asterisk -rx "${plan.parts.map((p) => RELOAD_COMMANDS[p]).join('" ; asterisk -rx "')}")`,
            );
          result.reloadSkipped = true;
        },
        verify: async (e) => (haveAsterisk ? verify(endpointOf(e)) : undefined),
        recover: async () => {
          if (!haveAsterisk) return;
          try {
            await reloadEverything(false); // the restored files got their old mtimes back
          } catch (err) {
            if (!/not running/.test((err as Error).message)) throw err;
            recovered = 'Asterisk is not running: it reads the restored files when it starts';
            return;
          }
          const wrong: string[] = [];
          for (const [i, e] of plan.endpoints.entries()) {
            const old = before[i];
            if (!old) continue; // it answered no TLS before: nothing to compare with
            const fp = await waitFor(previously(e), old);
            if (fp !== old) wrong.push(describe(previously(e), fp));
          }
          recovered = wrong.length
            ? `after reloading, NOT back to the old certificate: ${wrong.join('; ')}`
            : before.every(Boolean)
              ? 'every part serves its old certificate again'
              : before.some(Boolean)
                ? 'every part that answered TLS before serves its old certificate again'
                : 'Asterisk reloaded';
        },
      },
      o.backupRoot ?? null,
    );
    result.changed = written.map((w) => w.path);
    result.backupDir = applied.backupDir;
  } catch (err) {
    if (err instanceof CertkitError && recovered)
      throw new CertkitError(err.kind, `${err.message}; ${recovered}`, err.hint);
    throw err;
  }
  return result;
}
