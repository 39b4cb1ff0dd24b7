// Issue 2 benchmarks: startup time, and inspecting 2,000 certificates vs an openssl loop.
import { join } from 'node:path';
import { CERTKIT, goal, hyperfine, makeCerts, ms, need, row, scaled, sec, tmp } from './lib.mjs';

export default async function foundation() {
  need('certbot');
  need('openssl');
  const rows = [];
  const v = hyperfine([`${CERTKIT} --version`, 'certbot --version', `${process.execPath} -e 0`], {
    runs: 20,
    warmup: 3,
    shell: false,
  });
  rows.push(row('certkit --version vs certbot --version', v[0], v[1]));
  rows.push(row('certkit --version vs a bare node -e 0', v[0], v[2], ms, goal(1.2, 'start-up')));

  const n = scaled(2000);
  const dir = join(tmp(), 'certs');
  await makeCerts(dir, n);
  const r = hyperfine(
    [
      `${CERTKIT} inspect --json ${dir} > /dev/null`,
      `for f in ${dir}/*.pem; do openssl x509 -noout -enddate -subject -in "$f"; done > /dev/null`,
    ],
    { runs: 1, warmup: 0 },
  );
  rows.push(row(`inspect ${n.toLocaleString('en')} certs (--json) vs openssl x509 loop`, r[0], r[1], sec));
  return rows;
}
