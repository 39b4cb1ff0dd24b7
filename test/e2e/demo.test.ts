/** The README's first command, end to end: the same steps a new user runs (npm run demo), then --clean. */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { httpHead, servedFingerprint } from '../../src/deploy/probe.js';

const parent = tempDir('certkit-demo-');
chmodSync(parent, 0o755); // the sandbox Apache's www-data children must reach the docroot
const sandbox = join(parent, 'demo');
const env = { ...process.env, CERTKIT_DEMO_DIR: sandbox, CERTKIT_SKIP_SETUP: '1' };

afterAll(() => {
  spawnSync('bash', ['scripts/demo.sh', '--clean'], { cwd: ROOT, env });
});

describe('npm run demo', () => {
  it('the bare request against the local CA answers through the loopback Apache, installs with the redirect, schedules renewal in the sandbox, and checks OK; a second run works', () => {
    for (const round of [1, 2]) {
      const r = spawnSync('bash', ['scripts/demo.sh'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, `round ${round}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/OK\s+www\.example\.test:\d+ \(127\.0\.0\.1\)/);
      expect(r.stdout).toMatch(/curl --cacert/);
      // the bare form: only the CA, the Apache root and what a script must say (no solver flag, no --install)
      expect(r.stdout).toMatch(
        /\$ certkit request www\.example\.test --server https:\/\/\S+ --server-root \S+ --agree-tos --email \S+\n/,
      );
      expect(r.stdout).toMatch(
        /Apache serves www\.example\.test on port \d+ \(.*\): answering http-01 through it/,
      );
      expect(r.stdout).toMatch(/installing into the Apache site that serves the names/);
      expect(r.stdout).toMatch(/renewal {3}scheduled now \(\S+\/demo\/root\/etc\/\S+\)/); // inside the sandbox
    }
  }, 240_000);

  it('leaves Apache serving the CA-issued certificate over HTTPS, and port 80 redirecting to it', async () => {
    const state = JSON.parse(readFileSync(join(sandbox, 'state.json'), 'utf8'));
    const leaf = new X509Certificate(readFileSync(join(sandbox, 'store/live/www.example.test/cert.pem')));
    expect(leaf.issuer).toMatch(/Pebble/);
    expect(await servedFingerprint('127.0.0.1', state.tlsPort, 'www.example.test')).toBe(leaf.fingerprint256);
    const res = await httpHead('127.0.0.1', state.httpPort, 'www.example.test', '/a%20b');
    expect(res.status).toBe(301);
    expect(res.location).toBe(
      `https://www.example.test${state.tlsPort === 443 ? '' : `:${state.tlsPort}`}/a%20b`,
    );
    expect(existsSync(join(sandbox, 'report.html'))).toBe(true);
  });

  it('--clean stops the sandbox Apache and removes the sandbox', async () => {
    const state = JSON.parse(readFileSync(join(sandbox, 'state.json'), 'utf8'));
    const r = spawnSync('bash', ['scripts/demo.sh', '--clean'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(existsSync(sandbox)).toBe(false);
    await expect(httpHead('127.0.0.1', state.httpPort, 'www.example.test', '/')).rejects.toThrow();
  });
});
