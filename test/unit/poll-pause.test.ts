// Polls honour the CA's Retry-After (issue 14 leftover) and otherwise back off from a short first pause.
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeClient } from '../../src/acme/client.js';
import { FIRST_PAUSE_MS, MAX_BACKOFF_MS, nextPollPause, retryAfterMs } from '../../src/acme/poll-pause.js';

const now = new Date('2026-11-26T12:00:00Z');

describe('nextPollPause', () => {
  it('doubles from the first pause up to the cap without a Retry-After', () => {
    let backoff = FIRST_PAUSE_MS;
    const pauses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const p = nextPollPause(backoff, null, now);
      pauses.push(p.pauseMs);
      backoff = p.nextBackoffMs;
    }
    expect(pauses[0]).toBe(FIRST_PAUSE_MS);
    expect(pauses[1]).toBe(FIRST_PAUSE_MS * 2);
    expect(Math.max(...pauses)).toBe(MAX_BACKOFF_MS);
  });

  it('takes Retry-After in seconds or as an HTTP date, bounded', () => {
    expect(nextPollPause(40, '2', now).pauseMs).toBe(2000);
    expect(nextPollPause(40, 'Thu, 26 Nov 2026 12:00:05 GMT', now).pauseMs).toBe(5000);
    expect(nextPollPause(40, '0', now).pauseMs).toBe(40); // never a busy loop
    expect(nextPollPause(40, '86400', now).pauseMs).toBe(60_000); // never a day inside one run
    expect(nextPollPause(40, 'soon', now).pauseMs).toBe(40); // unreadable: the backoff
    expect(retryAfterMs('Thu, 26 Nov 2026 11:59:00 GMT', now)).toBe(-60_000);
  });
});

describe('AcmeClient polls', () => {
  let server: Server;
  let base = '';
  const reads: number[] = [];
  beforeAll(async () => {
    let nonce = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'replay-nonce': `n${++nonce}`,
        };
        if (req.url === '/nonce') return res.writeHead(200, headers).end();
        if (req.url === '/dir')
          return res.writeHead(200, headers).end(
            JSON.stringify({
              newNonce: `${base}/nonce`,
              newAccount: `${base}/account`,
              newOrder: `${base}/order`,
            }),
          );
        reads.push(Date.now());
        const pending = reads.length === 1;
        if (pending) headers['retry-after'] = '1';
        res.writeHead(200, headers).end(
          JSON.stringify({
            status: pending ? 'pending' : 'valid',
            identifier: { type: 'dns', value: 'poll.test' },
            challenges: [],
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('waits the Retry-After a pending authorization carries before reading it again', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const client = new AcmeClient({
      directoryUrl: `${base}/dir`,
      accountKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      accountUrl: `${base}/acct/1`,
    });
    const authz = await client.waitForAuthorization(
      {
        url: `${base}/authz/1`,
        status: 'pending',
        identifier: { type: 'dns', value: 'poll.test' },
        wildcard: false,
        challenges: [],
      },
      'http-01',
    );
    expect(authz.status).toBe('valid');
    expect(reads).toHaveLength(2);
    const [first = 0, second = 0] = reads;
    expect(second - first).toBeGreaterThanOrEqual(950);
  });
});
