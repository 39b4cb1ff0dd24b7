// Issue 3 benchmarks: key generation, certkit (node's native crypto) vs openssl genpkey, whole processes.
import { join } from 'node:path';
import { CERTKIT, hyperfine, need, row, tmp } from './lib.mjs';

export default async function keys() {
  need('openssl');
  const dir = tmp();
  const out = join(dir, 'k.pem');
  const rows = [];
  for (const [type, peer] of [
    ['rsa-2048', `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ${out}`],
    ['ecdsa-p256', `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${out}`],
  ]) {
    const r = hyperfine([`${CERTKIT} key --type ${type} --out ${out} --force`, peer], {
      runs: 15,
      warmup: 2,
      prepare: `rm -f ${out}`,
    });
    rows.push(row(`key --type ${type} vs openssl genpkey`, r[0], r[1]));
  }
  return rows;
}
