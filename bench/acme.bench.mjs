// Issue 4 benchmarks on one local Pebble: certkit request vs certbot certonly --standalone (wall and CPU),
// and renewing 50 due lineages vs certbot renew of 50.
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { startPebble } from '../scripts/lib/pebble.mjs';
import { CERTKIT, have, hyperfine, row, sec, tmp } from './lib.mjs';

export default async function acme() {
  const pebble = await startPebble({ nonceReject: 0 });
  const rows = [];
  try {
    const dir = tmp();
    const env = `NODE_EXTRA_CA_CERTS=${pebble.tlsCaFile} REQUESTS_CA_BUNDLE=${pebble.tlsCaFile}`;
    const ck = `${env} ${CERTKIT} --store ${dir}/store`;
    const cb = `${env} certbot --config-dir ${dir}/cb/config --work-dir ${dir}/cb/work --logs-dir ${dir}/cb/logs --non-interactive --agree-tos --register-unsafely-without-email --server ${pebble.directoryUrl}`;
    const http = `--http-01-port ${pebble.httpPort} --http-01-address 127.0.0.1`;
    const request = `${ck} request bench.example.test --server ${pebble.directoryUrl} --standalone --http-port ${pebble.httpPort} --http-address 127.0.0.1 --agree-tos --no-email --no-schedule`;
    const certbot = `${cb} certonly --standalone ${http} -d bench.example.test --force-renewal`;
    const haveCertbot = have('certbot');
    const r = hyperfine([request, ...(haveCertbot ? [certbot] : [])], { runs: 5, warmup: 1 });
    rows.push(row('request 1 name (wall) vs certbot certonly --standalone', r[0].median, r[1]?.median, sec, haveCertbot ? '' : 'certbot not installed'));
    rows.push(row('request 1 name (CPU user+sys) vs certbot', r[0].cpu, r[1]?.cpu, sec));

    // 50 lineages each, then renew them all (certkit: all due via the clock; certbot: --force-renewal)
    for (let i = 0; i < 50; i++) {
      execSync(`${ck} request r${i}.example.test --server ${pebble.directoryUrl} --standalone --http-port ${pebble.httpPort} --http-address 127.0.0.1 --agree-tos --no-email --no-schedule`, { stdio: 'ignore', shell: '/bin/bash' });
      if (haveCertbot) execSync(`${cb} certonly --standalone ${http} -d r${i}.example.test`, { stdio: 'ignore', shell: '/bin/bash' });
    }
    const far = new Date(Date.now() + 20 * 365 * 86400000).toISOString();
    const renew = `CERTKIT_NOW=${far} ${ck} renew --no-jitter`;
    const cbRenew = `${cb} renew --force-renewal --no-random-sleep-on-renew ${http}`; // certbot sleeps up to 8 min off a TTY otherwise
    const rr = hyperfine([renew, ...(haveCertbot ? [cbRenew] : [])], { runs: 1, warmup: 0 });
    rows.push(row('renew 50 due lineages (wall) vs certbot renew', rr[0].median, rr[1]?.median, sec));
    rows.push(row('renew 50 due lineages (CPU) vs certbot renew', rr[0].cpu, rr[1]?.cpu, sec));
  } finally {
    await pebble.stop();
  }
  return rows;
}
