/** http-01 solvers: files in a webroot, or a built-in HTTP server (standalone). */
import { createServer, type Server } from 'node:http';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import type { ChallengeContext, ChallengeSolver } from './types.js';

const PREFIX = '/.well-known/acme-challenge/';

export class WebrootSolver implements ChallengeSolver {
  readonly type = 'http-01';
  private created: string[] = [];
  constructor(private readonly webroot: string) {}
  describe() {
    return `webroot ${this.webroot}`;
  }
  async present(ch: ChallengeContext) {
    const dir = join(this.webroot, PREFIX);
    try {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await writeFile(join(dir, ch.token), ch.keyAuthorization, { mode: 0o644 });
    } catch (err) {
      throw new CertkitError('environment', `cannot write the challenge file under ${dir}: ${(err as NodeJS.ErrnoException).code}`, 'check --webroot is the site\'s DocumentRoot and writable');
    }
    this.created.push(join(dir, ch.token));
  }
  async cleanup(ch: ChallengeContext) {
    await rm(join(this.webroot, PREFIX, ch.token), { force: true });
  }
}

export class StandaloneSolver implements ChallengeSolver {
  readonly type = 'http-01';
  private server?: Server;
  private tokens = new Map<string, string>();
  constructor(
    private readonly port: number,
    private readonly address: string,
  ) {}
  describe() {
    return `standalone HTTP server on ${this.address}:${this.port}`;
  }
  async start() {
    const server = createServer((req, res) => {
      const url = req.url ?? '';
      const value = url.startsWith(PREFIX) ? this.tokens.get(url.slice(PREFIX.length)) : undefined;
      if (value === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(value);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new CertkitError(
            'environment',
            err.code === 'EADDRINUSE'
              ? `port ${this.port} on ${this.address} is in use (a web server?)`
              : `cannot listen on ${this.address}:${this.port}: ${err.code}`,
            err.code === 'EADDRINUSE' ? 'use --webroot with the running server, or stop it' : 'standalone needs root for port 80, or --http-port',
          ),
        ),
      );
      server.listen(this.port, this.address, () => resolve());
    });
    this.server = server;
  }
  async present(ch: ChallengeContext) {
    this.tokens.set(ch.token, ch.keyAuthorization);
  }
  async cleanup(ch: ChallengeContext) {
    this.tokens.delete(ch.token);
  }
  async stop() {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
