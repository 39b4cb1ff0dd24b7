/**
 * `certkit install asterisk`: pre-flight, plan, (dry run: diff), apply with per-part reloads through
 * `asterisk -rx`, verify the new fingerprint on the TLS ports, roll back on failure. Without an Asterisk
 * binary the files are written and the reload is skipped, said plainly.
 */
import { spawn } from 'node:child_process';
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { CertkitError } from '../../errors.js';
import { applyPlan, isNoop, renderDiff } from '../engine.js';
import { preflightCertificate } from '../preflight.js';
import { servedFingerprint, waitUntil } from '../probe.js';
import { discoverAsterisk, planAsteriskInstall, type AsteriskPart } from './plan.js';

export type CommandRunner = (
  cmd: string,
  args: string[],
) => Promise<{ code: number; output: string; missing?: boolean }>;

export const spawnRunner: CommandRunner = (cmd, args) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: 127, output: err.message, missing: err.code === 'ENOENT' }),
    );
    child.on('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
  });

/** The asterisk group id from /etc/group, or null. */
export function asteriskGroupId(groupFile = '/etc/group'): number | null {
  try {
    const line = readFileSync(groupFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('asterisk:'));
    return line ? Number(line.split(':')[2]) : null;
  } catch {
    return null;
  }
}

export interface AsteriskInstallOptions {
  lineage: string;
  names: string[];
  fullchainPath: string;
  keyPath: string;
  configDir?: string;
  keysDir?: string;
  parts?: string[];
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
}

export const RELOAD_COMMANDS: Record<AsteriskPart, string> = {
  pjsip: 'module reload res_pjsip.so',
  http: 'module reload http',
  manager: 'manager reload',
  sip: 'sip reload',
};

const connectHost = (bind: string) => {
  const host = bind.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
};

export async function installAsterisk(o: AsteriskInstallOptions) {
  const step = o.onStep ?? (() => {});
  const runner = o.runner ?? spawnRunner;
  const configDir = o.configDir ?? '/etc/asterisk';
  const keysDir = o.keysDir ?? '/etc/asterisk/keys';
  const method = (o.method ?? 'tlsv1_2') as 'tlsv1_2' | 'sslv23';
  if (method !== 'tlsv1_2' && method !== 'sslv23')
    throw new CertkitError('usage', `--method ${o.method}: use tlsv1_2 or sslv23`);
  for (const p of o.parts ?? [])
    if (!(p in RELOAD_COMMANDS)) throw new CertkitError('usage', `unknown Asterisk part "${p}"`);
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
    bind: o.bind,
    method,
    fullchainPem: await readFile(o.fullchainPath, 'utf8'),
    keyPem: await readFile(o.keyPath, 'utf8'),
    asteriskGid: gid,
  };
  const plan = planAsteriskInstall(discoverAsterisk(planOptions), planOptions);
  if (plan.parts.length === 0)
    throw new CertkitError(
      'usage',
      `no Asterisk part to configure in ${configDir}`,
      'choose with --pjsip, --http, --manager or --sip',
    );
  const result = {
    parts: plan.parts,
    changed: [] as string[],
    noop: isNoop(plan),
    diff: renderDiff(plan),
    notes: plan.notes,
    reloads: [] as string[],
    reloadSkipped: false,
    verified: [] as string[],
    backupDir: null as string | null,
    fingerprint: pre.fingerprint,
  };
  if (o.dryRun) return result;

  const asterisk = o.asterisk ?? 'asterisk';
  const probe = await runner(asterisk, ['-V']);
  const haveAsterisk = !probe.missing;
  const reload = async () => {
    if (gid !== null) {
      const problem = await unreadableByGroup([plan.certFile, plan.keyFile], gid);
      if (problem)
        throw new CertkitError(
          'deploy',
          `the asterisk group cannot read ${problem}`,
          'Asterisk reads its keys after dropping root: fix the directory permissions',
        );
    }
    if (!haveAsterisk) {
      result.reloadSkipped = true;
      result.notes.push(
        `no "${asterisk}" binary here: the files are written, the reload was skipped (run: asterisk -rx "${plan.parts.map((p) => RELOAD_COMMANDS[p]).join('" ; asterisk -rx "')}")`,
      );
      return;
    }
    for (const part of plan.parts) {
      if (part === 'manager' || part === 'sip') {
        // manager and chan_sip re-read TLS only when their .conf changed
        const f = join(configDir, `${part}.conf`);
        const now = new Date();
        await utimes(f, now, now).catch(() => {});
      }
      step(`asterisk -rx '${RELOAD_COMMANDS[part]}'`);
      const r = await runner(asterisk, ['-rx', RELOAD_COMMANDS[part]]);
      result.reloads.push(RELOAD_COMMANDS[part]);
      if (r.code !== 0)
        throw new CertkitError(
          'deploy',
          `asterisk -rx '${RELOAD_COMMANDS[part]}' failed: ${r.output.split('\n').pop()}`,
        );
    }
  };
  const verify = async () => {
    if (!haveAsterisk) return;
    for (const e of plan.endpoints) {
      const port = Number(e.bind.split(':').pop());
      const host = o.verifyHost ?? connectHost(e.bind);
      let served = '';
      const ok = await waitUntil(
        async () => (served = await servedFingerprint(host, port, o.names[0])) === pre.fingerprint,
        8000,
      );
      if (!ok)
        throw new CertkitError(
          'deploy',
          `${e.part} on ${host}:${port} does not serve the new certificate${served ? ` (serves ${served.slice(0, 23)}…)` : ''}`,
        );
      result.verified.push(`${e.part} ${host}:${port}`);
    }
  };
  if (result.noop) {
    step('configuration already in place: reloading so Asterisk re-reads the certificate files');
    await reload();
    await verify();
    return result;
  }
  const applied = await applyPlan(
    plan,
    {
      reload,
      afterVerify: verify,
      recover: async () => (haveAsterisk ? void (await reload().catch(() => {})) : undefined),
    },
    o.backupRoot ?? null,
  );
  result.changed = applied.changed;
  result.backupDir = applied.backupDir;
  return result;
}

/** The first path (or a directory on the way to it) that members of the group cannot read/traverse, or null. */
export async function unreadableByGroup(paths: string[], gid: number): Promise<string | null> {
  for (const p of paths) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const sub = '/' + parts.slice(0, i).join('/');
      const st = await stat(sub).catch(() => null);
      if (!st) return sub;
      const isFile = i === parts.length;
      const need = isFile ? 0o4 : 0o1;
      const ok = (st.mode & need) !== 0 || (st.gid === gid && (st.mode & (need << 3)) !== 0);
      if (!ok) return sub;
    }
  }
  return null;
}
