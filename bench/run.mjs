// npm run bench: every benchmark, one table (name, certkit, peer, ratio). --record writes bench/RESULTS.md.
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, totalmem, hostname } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, SCALE } from './lib.mjs';

// where --record writes (CERTKIT_BENCH_OUT for tests), and what identifies this run in the file
const OUT = process.env.CERTKIT_BENCH_OUT ?? join(ROOT, 'bench', 'RESULTS.md');
const RUN_ID = process.env.CERTKIT_BENCH_RUN_ID ?? randomUUID();
const firstLine = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? 'not installed' : `${r.stdout}${r.stderr}`.trim().split('\n')[0];
};
// the code measured: HEAD, and whether tracked files differ from it (other than the results file this run writes)
const commit = () => {
  const rev = firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = spawnSync(
    'git',
    [
      '-C',
      ROOT,
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      '.',
      `:(exclude)${relative(ROOT, OUT)}`,
    ],
    { encoding: 'utf8' },
  ).stdout?.trim();
  return `${rev}${dirty ? ' (with uncommitted changes)' : ''}`;
};

const suites = ['foundation', 'keys', 'acme', 'monitor', 'trust'];
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rows = [];
const header = ['benchmark', 'certkit', 'peer', 'ratio (peer/certkit)', 'note'];
for (const name of suites) {
  if (only.length && !only.includes(name)) continue;
  const mod = await import(`./${name}.bench.mjs`);
  process.stderr.write(`bench: ${name}...\n`);
  try {
    rows.push(...(await mod.default()));
  } catch (err) {
    rows.push({
      name: `${name}: FAILED`,
      certkit: '-',
      peer: '-',
      ratio: '-',
      note: String(err.message).split('\n')[0],
    });
  }
  if (process.argv.includes('--record')) record(rows, false); // keep what is measured even if a later suite is cut off
}

const lines = [header, ...rows.map((r) => [r.name, r.certkit, r.peer, r.ratio, r.note ?? ''])];
const widths = header.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
console.log(
  lines
    .map((l) =>
      l
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n'),
);
if (process.argv.includes('--record')) record(rows, true);
// a suite that could not run (a peer program missing, a crash) fails the whole run, loudly
const failed = rows.filter((r) => r.name.endsWith(': FAILED'));
if (failed.length) {
  for (const r of failed) process.stderr.write(`bench: ${r.name} ${r.note}\n`);
  process.exitCode = 1;
}

function record(rows, complete) {
  const md = [
    '# Benchmark results',
    '',
    'Written entirely by `npm run bench -- --record` (bench/run.mjs); do not edit by hand.',
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${hostname()}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    `- commit: ${commit()}`,
    `- run: ${RUN_ID}${SCALE < 1 ? ` (CERTKIT_BENCH_SCALE=${SCALE}: a test run, not results)` : ''}`,
    `- peers: certbot: ${firstLine('certbot', ['--version'])}; lego: ${firstLine('lego', ['--version'])}; openssl: ${firstLine('openssl', ['version'])}; hyperfine: ${firstLine('hyperfine', ['--version'])}`,
    '',
    'Whole processes on the same machine in one run, timed by hyperfine. Each cell: the median (min–max, number of runs); CPU cells are the mean user+sys per run (hyperfine does not report CPU run by run). Ratio = peer / certkit medians: above 1 means certkit is faster (or smaller).',
    complete ? '' : '(partial: the run was still going when this was written)',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${[r.name, r.certkit, r.peer, r.ratio, r.note ?? ''].join(' | ')} |`),
    '',
  ].join('\n');
  writeFileSync(OUT, md);
}
