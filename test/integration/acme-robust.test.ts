/** Pebble in its harsher configurations: half of all nonces rejected; external account binding required. */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkitAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

const EAB_KID = 'kid-1';
const EAB_KEY = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';

describe('PEBBLE_WFE_NONCEREJECT=50', () => {
  let pebble: Pebble;
  beforeAll(async () => (pebble = await startPebble({ nonceReject: 50 })));
  afterAll(async () => pebble?.stop());

  it('50 issuances in a row all succeed', async () => {
    const store = join(tempDir(), 'store');
    const failures: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await certkitAsync(
        ['--store', store, 'request', `n${i}.nonce.test`, ...standaloneArgs(pebble)],
        { env: pebble.env },
      );
      if (r.code !== 0) failures.push(`${i}: ${r.stderr.trim()}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});

describe('external account binding required', () => {
  let pebble: Pebble;
  beforeAll(async () => (pebble = await startPebble({ eab: { [EAB_KID]: EAB_KEY } })));
  afterAll(async () => pebble?.stop());

  const args = (store: string) => ['--store', store, 'request', 'eab.test', ...standaloneArgs(pebble)];

  it('without EAB: one clear line, nothing stored', async () => {
    const store = join(tempDir(), 'store');
    const r = await certkitAsync(args(store), { env: pebble.env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: this CA requires external account binding \(give --eab-kid and --eab-hmac-key-file/,
    );
    expect(existsSync(join(store, 'lineages'))).toBe(false);
  });

  it('with bad EAB credentials: one clear line', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hmac'), 'AAAA' + EAB_KEY.slice(4) + '\n');
    const r = await certkitAsync(
      [...args(join(dir, 'store')), '--eab-kid', EAB_KID, '--eab-hmac-key-file', join(dir, 'hmac')],
      { env: pebble.env },
    );
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/external account binding|EAB/i);
  });

  it('with EAB: issued; the HMAC key never lands in the store or argv', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hmac'), EAB_KEY + '\n');
    const store = join(dir, 'store');
    const r = await certkitAsync(
      [...args(store), '--eab-kid', EAB_KID, '--eab-hmac-key-file', join(dir, 'hmac')],
      { env: pebble.env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(store, 'lineages/eab.test/settings.json'), 'utf8')).not.toContain(EAB_KEY);
  });
});
