/**
 * The closed ACME adapter (issue 15 item 2): CA problems are captured per call. Before, a problem document seen
 * earlier in a call (a badNonce that was retried away) stayed captured, and a later network failure was reported
 * as that CA error (exit 5) instead of the network failure it was (exit 6).
 *
 * Pebble cannot be told to drop one connection at a chosen request, so this uses a scripted stand-in CA that
 * speaks just enough RFC 8555 (it checks no signatures): named as such.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, certkitAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

let server: Server;
let base: string;
let nonce = 0;
let orderAttempts = 0;

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'replay-nonce': `n${++nonce}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function standInCa(req: IncomingMessage, res: ServerResponse) {
  req.resume();
  req.on('end', () => {
    if (req.url === '/dir')
      return reply(res, 200, {
        newNonce: `${base}/nonce`,
        newAccount: `${base}/account`,
        newOrder: `${base}/order`,
        revokeCert: `${base}/revoke`,
        keyChange: `${base}/key-change`,
      });
    if (req.url === '/nonce') return reply(res, 200, '');
    if (req.url === '/account') return reply(res, 201, { status: 'valid' }, { location: `${base}/acct/1` });
    if (req.url === '/order' && req.method === 'POST') {
      // first: a badNonce (retried by any client); then the connection dies without an answer
      if (orderAttempts++ === 0)
        return reply(res, 400, { type: 'urn:ietf:params:acme:error:badNonce', detail: 'stale nonce' });
      return req.socket.destroy();
    }
    return reply(res, 404, { type: 'urn:ietf:params:acme:error:malformed', detail: 'no such thing' });
  });
}

beforeAll(async () => {
  server = createServer(standInCa);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server?.close(r)));

describe('closed ACME adapter', () => {
  it('a network failure after a retried badNonce is reported as the network failure, not the CA problem', async () => {
    const store = join(tempDir(), 'store');
    const r = await certkitAsync(
      [
        '--store',
        store,
        'request',
        'blame.test',
        '--server',
        `${base}/dir`,
        '--standalone',
        '--http-port',
        '1',
        '--agree-tos',
        '--no-email',
      ],
      { timeoutMs: 30_000 },
    );
    expect(r.stderr).not.toMatch(/nonce/i);
    expect(r.stderr.trim()).toMatch(
      /^certkit: cannot reach the ACME server while creating the order \(ECONNRESET\)/,
    );
    expect(r.code).toBe(6);
    expect(orderAttempts).toBeGreaterThanOrEqual(2);
  });

  it('only src/acme/client.ts (through jws.ts and transport.ts) speaks ACME: no acme-client, no `as never` in src/acme', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    for (const f of files(join(ROOT, 'src'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from ['"]acme-client['"]|import\(['"]acme-client['"]\)/);
      if (f.includes('/src/acme/')) expect(text, f).not.toMatch(/as never/);
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies)).not.toContain('acme-client');
  });
});
