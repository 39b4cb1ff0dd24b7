// Benchmark helpers: whole processes on this machine, timed by hyperfine (wall, user+sys CPU).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CERTKIT = `${process.execPath} ${join(ROOT, 'bin/certkit.cjs')}`;

/**
 * CERTKIT_BENCH_SCALE (0 < s <= 1, default 1) shrinks every size and run count, so a test can run the whole
 * pipeline in seconds; recorded results are always made at scale 1.
 */
export const SCALE = Math.min(1, Math.max(0.0001, Number(process.env.CERTKIT_BENCH_SCALE ?? '1') || 1));
export const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE));

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A peer program the benchmark compares against: missing means the run fails, naming the Debian package. */
export function need(cmd, pkg = cmd) {
  if (!have(cmd))
    throw new Error(`${cmd} is missing: install the Debian package "${pkg}" (scripts/setup.sh does)`);
}

export function tmp(prefix = 'certkit-bench-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Times shell commands with hyperfine; returns [{median, mean, cpu, min, max, runs}] in seconds, in order
 * (cpu is hyperfine's mean user+sys per run: it does not report CPU run by run).
 * `prepare` runs before every timing run (e.g. to reset state).
 */
export function hyperfine(commands, { runs = 10, warmup = 1, shell = true, prepare } = {}) {
  const out = join(tmp(), 'hf.json');
  runs = scaled(runs, Math.min(runs, 2)); // a single-run row stays single; others keep a spread
  warmup = SCALE < 1 ? 0 : warmup;
  const args = ['--export-json', out, '--runs', String(runs), '--warmup', String(warmup), '--style', 'none'];
  if (!shell) args.push('-N');
  if (prepare) args.push('--prepare', prepare);
  execFileSync('hyperfine', [...args, ...commands], { stdio: ['ignore', 'ignore', 'pipe'] });
  return JSON.parse(readFileSync(out, 'utf8')).results.map((r) => ({
    median: r.median,
    mean: r.mean,
    cpu: r.user + r.system,
    min: r.min,
    max: r.max,
    runs: r.times.length,
  }));
}

export const ms = (s) => `${(s * 1000).toFixed(1)} ms`;
export const sec = (s) => `${s.toFixed(2)} s`;

/**
 * A measurement for the table: a hyperfine result (its median, with min–max and run count beside it), a
 * hyperfine result's mean CPU (`{ value, runs, mean: true }`), or a bare number (one reading).
 */
export function cell(m, fmt) {
  if (m == null) return 'n/a';
  if (typeof m === 'number') return `${fmt(m)} (1 run)`;
  if ('value' in m) return `${fmt(m.value)} (mean of ${m.runs})`;
  if (m.runs < 2) return `${fmt(m.median)} (1 run)`;
  const [lo] = fmt(m.min).split(' ');
  return `${fmt(m.median)} (${lo}–${fmt(m.max)}, ${m.runs} runs)`;
}

const central = (m) => (m == null ? null : typeof m === 'number' ? m : 'value' in m ? m.value : m.median);
/** The CPU (user+sys, mean per run) of a hyperfine result, as a table measurement. */
export const cpuOf = (r) => (r == null ? null : { value: r.cpu, runs: r.runs, mean: true });

/**
 * A row of the table: lower is better; ratio = peer / certkit (>1 means certkit is faster). certkit and peer
 * are measurements as `cell` takes them: the table shows each median with its spread.
 */
/**
 * A goal as a note that says whether this run met it: certkit at most `fraction` of the peer's figure
 * (ratio peer/certkit >= 1/fraction).
 */
export const goal = (fraction, what) => ({ fraction, what });

export function row(name, certkit, peer, fmt = ms, note = '') {
  if (typeof note === 'object') {
    const [c, p] = [central(certkit), central(peer)];
    const met = c != null && p != null && c <= note.fraction * p;
    note = `goal: certkit ${note.what} <= ${note.fraction}x the peer's (ratio >= ${(1 / note.fraction).toFixed(2)}x): ${met ? 'met' : 'NOT met'}`;
  }
  const [c, p] = [central(certkit), central(peer)];
  return {
    name,
    certkit: cell(certkit, fmt),
    peer: cell(peer, fmt),
    ratio: p == null ? 'n/a' : `${(p / c).toFixed(p / c < 1 ? 2 : 1)}x`,
    note,
  };
}

/**
 * `count` distinct certificates (host<i>.example.test, one CA, expiries spread over a year) as host<i>.pem in dir:
 * every file its own certificate, so no per-certificate cache flatters the tool that reads them.
 */
export async function makeCerts(dir, count) {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const leafKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (1000 + i).toString(16),
      subject: `CN=host${i}.example.test`,
      issuer: 'CN=Bench CA',
      notBefore: new Date(Date.now() - 86400000),
      notAfter: new Date(Date.now() + (i % 365) * 86400000),
      signingAlgorithm: alg,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: `host${i}.example.test` }]),
      ],
    });
    writeFileSync(join(dir, `host${i}.pem`), cert.toString('pem') + '\n');
  }
}
