/** http-01 solvers: files in a webroot, or a built-in HTTP server (standalone). */
import { createServer, type Server } from 'node:http';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { mkdirs, removeCreated } from './created-dirs.js';
import type { ChallengeContext, ChallengeSolver } from './types.js';

const PREFIX = '/.well-known/acme-challenge/';

export class WebrootSolver implements ChallengeSolver {
  readonly type = 'http-01';
  /** the directories under the webroot certkit created (removed again by stop, if empty) */
  private createdDirs: string[] = [];
  constructor(private readonly webroot: string) {}
  describe() {
    return `webroot ${this.webroot}`;
  }
  /** The webroot must exist (a typo must not create a new tree nobody serves). */
  async start() {
    const st = await stat(this.webroot).catch(() => null);
    if (!st?.isDirectory())
      throw new CertkitError(
        'usage',
        `--webroot ${this.webroot} is not an existing directory`,
        "give the site's DocumentRoot",
      );
  }
  async present(ch: ChallengeContext) {
    const dir = join(this.webroot, PREFIX);
    const write = async () => {
      await mkdirs(dir, this.createdDirs);
      await writeFile(join(dir, ch.token), ch.keyAuthorization, { mode: 0o644 });
    };
    try {
      // a concurrent renewal's solver may remove the directories it created between mkdirs and the write
      await write().catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return write();
      });
    } catch (err) {
      throw new CertkitError(
        'environment',
        `cannot write the challenge file under ${dir}: ${(err as NodeJS.ErrnoException).code}`,
        "check --webroot is the site's DocumentRoot and writable",
      );
    }
  }
  async cleanup(ch: ChallengeContext) {
    await rm(join(this.webroot, PREFIX, ch.token), { force: true });
  }
  /** The webroot ends as it was: .well-known/acme-challenge/ goes again when certkit made it and it is empty. */
  async stop() {
    await removeCreated(this.createdDirs);
  }
}

/**
 * One HTTP server per address:port, shared by every standalone solver in the process (renewals run
 * concurrently and would otherwise fight over port 80). Reference-counted: closed when the last user stops.
 */
interface SharedServer {
  server: Server;
  tokens: Map<string, string>;
  users: number;
  closed?: Promise<void>;
}
const sharedServers = new Map<string, Promise<SharedServer>>();

function listenShared(port: number, address: string): Promise<SharedServer> {
  const key = `${address}|${port}`;
  let p = sharedServers.get(key);
  if (!p) {
    p = new Promise<SharedServer>((resolve, reject) => {
      const tokens = new Map<string, string>();
      const server = createServer((req, res) => {
        const url = req.url ?? '';
        const value = url.startsWith(PREFIX) ? tokens.get(url.slice(PREFIX.length)) : undefined;
        if (value === undefined) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(value);
      });
      server.once('error', (err: NodeJS.ErrnoException) => {
        sharedServers.delete(key);
        reject(
          new CertkitError(
            'environment',
            err.code === 'EADDRINUSE'
              ? `port ${port}${address ? ` on ${address}` : ''} is in use (a web server?)`
              : `cannot listen on ${address || '*'}:${port}: ${err.code}`,
            err.code === 'EADDRINUSE'
              ? 'use --webroot with the running server, or stop it'
              : 'standalone needs root for port 80, or --http-port',
          ),
        );
      });
      server.listen(port, address || undefined, () => resolve({ server, tokens, users: 0 }));
    });
    sharedServers.set(key, p);
  }
  return p;
}

export class StandaloneSolver implements ChallengeSolver {
  readonly type = 'http-01';
  private shared?: SharedServer;
  constructor(
    private readonly port: number,
    private readonly address: string,
  ) {}
  describe() {
    return `standalone HTTP server on ${this.address || '*'}:${this.port}`;
  }
  async start() {
    for (;;) {
      const shared = await listenShared(this.port, this.address);
      if (!shared.closed) {
        shared.users++;
        this.shared = shared;
        return;
      }
      await shared.closed; // the last user is closing it: wait, then open a fresh one
    }
  }
  async present(ch: ChallengeContext) {
    this.shared?.tokens.set(ch.token, ch.keyAuthorization);
  }
  async cleanup(ch: ChallengeContext) {
    this.shared?.tokens.delete(ch.token);
  }
  async stop() {
    const s = this.shared;
    this.shared = undefined;
    if (!s || --s.users > 0) return;
    s.closed = new Promise<void>((r) => s.server.close(() => r()));
    await s.closed;
    sharedServers.delete(`${this.address}|${this.port}`);
  }
}
