// Benchmark helpers: whole processes on this machine, timed by hyperfine (wall, user+sys CPU).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CERTKIT = `${process.execPath} ${join(ROOT, 'bin/certkit.js')}`;

/**
 * CERTKIT_BENCH_SCALE (0 < s <= 1, default 1) shrinks every size and run count, so a test can run the whole
 * pipeline in seconds; recorded results are always made at scale 1.
 */
export const SCALE = Math.min(1, Math.max(0.0001, Number(process.env.CERTKIT_BENCH_SCALE ?? '1') || 1));
export const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE));

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export function tmp(prefix = 'certkit-bench-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Times shell commands with hyperfine; returns [{median, mean, user, system}] in seconds, in order.
 * `prepare` runs before every timing run (e.g. to reset state).
 */
export function hyperfine(commands, { runs = 10, warmup = 1, shell = true, prepare } = {}) {
  const out = join(tmp(), 'hf.json');
  runs = scaled(runs, 2);
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
  }));
}

export const ms = (s) => `${(s * 1000).toFixed(1)} ms`;
export const sec = (s) => `${s.toFixed(2)} s`;

/** A row of the table: lower is better; ratio = peer / certkit (>1 means certkit is faster). */
export function row(name, certkit, peer, fmt = ms, note = '') {
  return {
    name,
    certkit: fmt(certkit),
    peer: peer == null ? 'n/a' : fmt(peer),
    ratio: peer == null ? 'n/a' : `${(peer / certkit).toFixed(peer / certkit < 1 ? 2 : 1)}x`,
    note,
  };
}
