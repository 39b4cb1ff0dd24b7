/**
 * Issue 14 item 1 (ACME): a CA that accepts connections and never answers. Before, `request`, `renew` and
 * `account show` hung forever and the hung renew kept the lineage locked for every later run.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkitAsync, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

let pebble: Pebble;
let silent: Server;
let silentUrl: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  pebble = await startPebble();
  silent = createServer((s) => sockets.push(s)); // accepts, reads nothing, answers nothing
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  silentUrl = `http://127.0.0.1:${port}/dir`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent?.close(r));
  await pebble?.stop();
});

async function timed(store: string, args: string[]): Promise<CliResult & { seconds: number }> {
  const t0 = Date.now();
  const r = await certkitAsync(['--store', store, ...args], { env: pebble.env, timeoutMs: 60_000 });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

const standalone = (server: string) => standaloneArgs(pebble, server);

function expectTimeout(r: CliResult & { seconds: number }, limit: number) {
  expect(r.code, r.stderr).toBe(6);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(
    /^certkit: (renewing "[^"]+" failed: )?timeout: the ACME server did not answer within 2 s while /,
  );
  expect(r.seconds).toBeLessThan(limit);
}

/** Points a lineage (and a copy of its account) at another CA URL. */
function pointAt(store: string, name: string, url: string) {
  const file = join(store, 'lineages', name, 'settings.json');
  const s = JSON.parse(readFileSync(file, 'utf8'));
  s.acme.directoryUrl = url;
  writeFileSync(file, JSON.stringify(s));
}

describe('a CA that accepts connections and never answers', () => {
  it('request and account show end with exit 6 within the deadline, one line', async () => {
    const store = join(tempDir(), 'store');
    expectTimeout(
      await timed(store, ['request', 'hang.test', ...standalone(silentUrl), '--timeout', '2']),
      10,
    );
    expectTimeout(await timed(store, ['account', 'show', '--server', silentUrl, '--timeout', '2']), 10);
  }, 60_000);

  it('renew: exit 6 within the deadline; a concurrent renew is told who holds the lock (exit 4); the next renew is not blocked', async () => {
    const store = join(tempDir(), 'store');
    const first = await timed(store, ['request', 'stuck.test', ...standalone(pebble.directoryUrl)]);
    expect(first.code, first.stderr).toBe(0);
    // the same account key also "exists" at the silent CA, so renew really talks to it
    const accounts = join(store, 'accounts');
    const [pebbleId] = readdirSync(accounts);
    const silentId = new URL(silentUrl).hostname + '_' + new URL(silentUrl).port + '_dir';
    cpSync(join(accounts, pebbleId!), join(accounts, silentId), { recursive: true });
    const acct = join(accounts, silentId, 'account.json');
    writeFileSync(
      acct,
      JSON.stringify({ ...JSON.parse(readFileSync(acct, 'utf8')), directoryUrl: silentUrl }),
    );
    pointAt(store, 'stuck.test', silentUrl);

    // not forced, not due: ARI is advisory, so the silent CA costs at most the deadline
    const dry = await timed(store, ['renew', '--dry-run', '--no-jitter', '--timeout', '2']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.seconds).toBeLessThan(10);

    const hung = timed(store, ['renew', '--force', '--no-jitter', '--timeout', '2']);
    await new Promise((r) => setTimeout(r, 1200));
    const contender = await timed(store, ['renew', '--force', '--no-jitter', '--timeout', '2']);
    expect(contender.code, contender.stderr).toBe(4);
    expect(contender.stderr).toMatch(
      /renewing "stuck\.test" is locked by another certkit run \(pid \d+, held for \d+ s\)/,
    );
    expectTimeout(await hung, 12);

    pointAt(store, 'stuck.test', pebble.directoryUrl);
    const next = await timed(store, ['renew', '--force', '--no-jitter']);
    expect(next.code, next.stderr).toBe(0);
    expect(readdirSync(join(store, 'lineages', 'stuck.test', 'versions'))).toHaveLength(2);
  }, 90_000);

  it('--timeout is bounded: 1e9, 0 and words are refused (exit 2), never overflow to 1 ms', async () => {
    const store = join(tempDir(), 'store');
    for (const v of ['1e9', '0', 'soon', '-5']) {
      const r = await timed(store, ['account', 'show', '--server', silentUrl, '--timeout', v]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--timeout must be a number of seconds between 0 and 3600/);
    }
  });
});
