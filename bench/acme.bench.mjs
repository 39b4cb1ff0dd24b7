// Issue 4 benchmarks on one local Pebble: certkit request vs certbot certonly --standalone and lego run --http
// (wall and CPU), and renewing 50 due lineages vs certbot renew of 50.
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { startPebble } from '../scripts/lib/pebble.mjs';
import { CERTKIT, cpuOf, goal, hyperfine, need, row, scaled, sec, tmp } from './lib.mjs';

export default async function acme() {
  need('pebble');
  need('certbot');
  need('lego');
  const pebble = await startPebble({ nonceReject: 0 });
  const rows = [];
  try {
    const dir = tmp();
    const env = `NODE_EXTRA_CA_CERTS=${pebble.tlsCaFile} REQUESTS_CA_BUNDLE=${pebble.tlsCaFile} LEGO_CA_CERTIFICATES=${pebble.tlsCaFile}`;
    const ck = `${env} ${CERTKIT} --store ${dir}/store`;
    const cb = `${env} certbot --config-dir ${dir}/cb/config --work-dir ${dir}/cb/work --logs-dir ${dir}/cb/logs --non-interactive --agree-tos --register-unsafely-without-email --server ${pebble.directoryUrl}`;
    const http = `--http-01-port ${pebble.httpPort} --http-01-address 127.0.0.1`;
    // every timed run orders a new certificate: --force (certkit), --force-renewal (certbot), `run` (lego)
    const request = `${ck} request bench.example.test --server ${pebble.directoryUrl} --standalone --http-port ${pebble.httpPort} --http-address 127.0.0.1 --agree-tos --no-email --no-schedule --force`;
    const certbot = `${cb} certonly --standalone ${http} -d bench.example.test --force-renewal`;
    // lego keeps one account in its --path
    const lego = `${env} lego --path ${dir}/lego --server ${pebble.directoryUrl} --accept-tos --email bench@example.test --domains bench.example.test --http --http.port 127.0.0.1:${pebble.httpPort} run > /dev/null 2>&1`;
    const r = hyperfine([request, certbot, lego], { runs: 5, warmup: 1 });
    rows.push(
      row('request 1 name (wall) vs certbot certonly --standalone', r[0], r[1], sec, goal(0.12, 'wall')),
    );
    rows.push(
      row('request 1 name (CPU user+sys) vs certbot', cpuOf(r[0]), cpuOf(r[1]), sec, goal(0.7, 'CPU')),
    );
    rows.push(row('request 1 name (wall) vs lego run --http', r[0], r[2], sec));
    rows.push(row('request 1 name (CPU user+sys) vs lego', cpuOf(r[0]), cpuOf(r[2]), sec));

    // n lineages each, then renew them all (certkit: all due via the clock; certbot: --force-renewal;
    // lego: one `lego renew` per certificate, as a cron script would loop, with --days beyond the lifetime)
    const n = scaled(50);
    const legoFor = (i, action) =>
      `${env} lego --path ${dir}/lego-renew --server ${pebble.directoryUrl} --accept-tos --email bench@example.test --domains r${i}.example.test --http --http.port 127.0.0.1:${pebble.httpPort} ${action} > /dev/null 2>&1`;
    for (let i = 0; i < n; i++) {
      execSync(
        `${ck} request r${i}.example.test --server ${pebble.directoryUrl} --standalone --http-port ${pebble.httpPort} --http-address 127.0.0.1 --agree-tos --no-email --no-schedule`,
        { stdio: 'ignore', shell: '/bin/bash' },
      );
      execSync(`${cb} certonly --standalone ${http} -d r${i}.example.test`, {
        stdio: 'ignore',
        shell: '/bin/bash',
      });
    }
    // lego's issuance mostly sleeps (5.6 s wall, 0.03 s CPU), and its http-01 server takes the one port: in turn
    for (let i = 0; i < n; i++) execSync(legoFor(i, 'run'), { stdio: 'ignore', shell: '/bin/bash' });
    const far = new Date(Date.now() + 20 * 365 * 86400000).toISOString();
    const renew = `CERTKIT_NOW=${far} ${ck} renew --no-jitter`;
    const cbRenew = `${cb} renew --force-renewal --no-random-sleep-on-renew ${http}`; // certbot sleeps up to 8 min off a TTY otherwise
    const legoRenew = Array.from({ length: n }, (_, i) =>
      legoFor(i, 'renew --days 100000 --no-random-sleep'),
    ).join('; ');
    const rr = hyperfine([renew, cbRenew, legoRenew], { runs: 1, warmup: 0 });
    rows.push(row(`renew ${n} due lineages (wall) vs certbot renew`, rr[0], rr[1], sec));
    rows.push(row(`renew ${n} due lineages (CPU) vs certbot renew`, cpuOf(rr[0]), cpuOf(rr[1]), sec));
    rows.push(row(`renew ${n} due lineages (wall) vs a lego renew loop`, rr[0], rr[2], sec));
    rows.push(row(`renew ${n} due lineages (CPU) vs a lego renew loop`, cpuOf(rr[0]), cpuOf(rr[2]), sec));
  } finally {
    await pebble.stop();
  }
  return rows;
}
