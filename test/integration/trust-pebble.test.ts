/** A chain from a real CA (Pebble) validates with certkit's path validator, and check agrees. */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { certkitAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { dnsHookArgs, dnsHookEnv, startPebble, type Pebble } from '../helpers/pebble.js';

let pebble: Pebble;
beforeAll(async () => {
  pebble = await startPebble();
});
afterAll(async () => pebble?.stop());

it("Pebble's chain validates: verify exit 0 for its names, path leaf → intermediate → Pebble's root", async () => {
  const store = join(tempDir('certkit-pebble-trust-'), 'store');
  const env = { ...pebble.env, ...dnsHookEnv(pebble) };
  const req = await certkitAsync(
    ['--store', store, 'request', 'www.trust.test', 'trust.test', ...dnsHookArgs(pebble)],
    { env },
  );
  expect(req.code, req.stderr).toBe(0);
  const root = await pebble.rootFile();
  const live = join(store, 'live', 'www.trust.test');
  const v = await certkitAsync([
    'verify',
    join(live, 'cert.pem'),
    '--chain',
    join(live, 'chain.pem'),
    '--ca-file',
    root,
    '--no-system-roots',
    '--name',
    'www.trust.test',
    '--name',
    'trust.test',
  ]);
  expect(v.stdout, v.stdout).toMatch(/^VALID for www\.trust\.test, trust\.test/);
  expect(v.stdout).toMatch(/\[2\] CN=Pebble Root CA [0-9a-f]+ \(trust anchor\)/);
  expect(v.code).toBe(0);
  const wrong = await certkitAsync([
    'verify',
    join(live, 'fullchain.pem'),
    '--ca-file',
    root,
    '--no-system-roots',
    '--name',
    'mail.trust.test',
  ]);
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toMatch(/hostname-mismatch/);
  const check = await certkitAsync(
    ['--store', store, 'check', 'store', '--ca-file', root, '--no-system-roots'],
    { env },
  );
  expect(check.stdout).toMatch(/^OK +store:www\.trust\.test/m);
  expect(check.code).toBe(0);

  // certkit revoke records the revocation in the lineage: list, check store and renew know
  const rev = await certkitAsync(
    ['--store', store, 'revoke', '--name', 'www.trust.test', '--reason', 'keyCompromise', '--yes'],
    { env },
  );
  expect(rev.code, rev.stderr).toBe(0);
  const list = JSON.parse((await certkitAsync(['--store', store, '--json', 'list'], { env })).stdout);
  expect(list.lineages[0].revoked).toMatchObject({ reason: 'keyCompromise' });
  const after = await certkitAsync(
    ['--store', store, '--json', 'check', 'store', '--ca-file', root, '--no-system-roots'],
    { env },
  );
  const t = JSON.parse(after.stdout).targets[0];
  expect(t.status).toBe('CRITICAL');
  expect(t.findings.map((f: { id: string }) => f.id)).toContain('revoked');
  const renew = await certkitAsync(['--store', store, 'renew', '--dry-run'], { env });
  expect(renew.stdout + renew.stderr).toMatch(/revoked/);
});
