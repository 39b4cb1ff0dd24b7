// Issue 7 benchmarks: 1,000 loopback TLS endpoints, certkit check vs ssl-cert-check (wall and peak memory),
// and a directory of 10,000 certificates vs an openssl x509 loop.
import { writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { join } from 'node:path';
import { CERTKIT, hyperfine, makeCerts, need, row, scaled, sec, tmp } from './lib.mjs';
import { selfSignedLeaf } from '../scripts/lib/openssl.mjs';

/** The one certificate every listener serves: self-signed for 127.0.0.1 (check is run with --allow-self-signed). */
function loopbackCertificate(dir) {
  const { certFile, keyFile } = selfSignedLeaf(dir, 'loopback', '127.0.0.1', 90);
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/**
 * Peak RSS (kB, GNU time's %M: the largest single process) of a shell command, run asynchronously so the
 * listeners in this process keep serving it.
 */
function peakKb(cmd) {
  return new Promise((resolve) => {
    const { spawn } = require_();
    const child = spawn('/bin/bash', ['-c', `/usr/bin/time -f '%M' ${cmd} 2>&1 >/dev/null | tail -1`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () => resolve(Number(out.trim())));
  });
}

export default async function monitor() {
  need('openssl');
  need('ssl-cert-check');
  need('/usr/bin/time', 'time');
  const hosts = scaled(1000);
  const files = scaled(10000);
  const count = (n) => n.toLocaleString('en');
  const dir = tmp();
  const rows = [];
  const { cert, key } = loopbackCertificate(dir);
  // 1,000 listeners in this process (one TLS server each, like 1,000 hosts on loopback)
  const servers = [];
  const list = [];
  for (let i = 0; i < hosts; i++) {
    const s = createServer({ cert, key }, (c) => c.end());
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    list.push(`127.0.0.1 ${s.address().port}`);
  }
  writeFileSync(join(dir, 'hosts.txt'), list.join('\n') + '\n');
  const targets = list.map((l) => l.replace(' ', ':')).join(' ');
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ check: { targets: targets.split(' ') } }));
  const ck = `${CERTKIT} --config ${dir}/cfg.json --quiet check --allow-self-signed '*' --timeout 5 > /dev/null; true`;
  const peer = `ssl-cert-check -f ${dir}/hosts.txt > /dev/null; true`;
  // the listeners live in this process: run the timed commands from a child so they can be served
  const r = await new Promise((resolve) => {
    const { spawn } = require_();
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const {hyperfine}=await import(${JSON.stringify(new URL('./lib.mjs', import.meta.url).href)});console.log(JSON.stringify(hyperfine(${JSON.stringify([ck, peer])},{runs:2,warmup:0})))`,
        '--input-type=module',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () => resolve(JSON.parse(out)));
  });
  rows.push(row(`check ${count(hosts)} loopback endpoints (wall) vs ssl-cert-check`, r[0], r[1], sec));
  const memCk = await peakKb(ck.replace(' > /dev/null; true', ''));
  const memPeer = await peakKb(`ssl-cert-check -f ${dir}/hosts.txt`);
  if (!memCk) throw new Error('/usr/bin/time gave no peak memory for certkit check');
  rows.push(
    row(
      `check ${count(hosts)} endpoints: peak memory (largest process) vs ssl-cert-check`,
      memCk,
      memPeer || null,
      (kb) => `${(kb / 1024).toFixed(0)} MiB`,
      'ssl-cert-check forks openssl per host: its figure is its largest single process',
    ),
  );
  for (const s of servers) s.close();

  // 10,000 distinct certificates in a directory
  const certs = join(dir, 'certs');
  await makeCerts(certs, files);
  const d = hyperfine(
    [
      `${CERTKIT} --quiet check ${certs} --allow-self-signed '*' > /dev/null; true`,
      `for f in ${certs}/*.pem; do openssl x509 -noout -enddate -subject -in "$f"; done > /dev/null`,
    ],
    { runs: 1, warmup: 0 },
  );
  rows.push(row(`check a directory of ${count(files)} certificates vs openssl x509 loop`, d[0], d[1], sec));
  return rows;
}

import { createRequire } from 'node:module';
function require_() {
  return createRequire(import.meta.url)('node:child_process');
}
