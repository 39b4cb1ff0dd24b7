/** Regressions from the QA run (a new user on a clone of main): install apache against a real private Apache. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certkitAsync } from '../helpers/cli.js';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { snapshotWithModes } from '../helpers/fs.js';
import { tempDir } from '../helpers/openssl.js';
import { installApacheCli, lineage } from './apache-helpers.js';
import { servedFingerprint } from '../../src/deploy/probe.js';
import { installApache } from '../../src/deploy/apache/install.js';

const running: ApacheInstance[] = [];
afterEach(() => {
  for (const a of running.splice(0)) a.stop();
});

async function apache(sites: { name: string; aliases?: string[] }[]) {
  const a = createApache({ dir: tempDir('certkit-apache-'), httpPort: await freePort(), sites });
  a.start();
  running.push(a);
  return a;
}

describe('install apache: QA regressions', () => {
  it('a second install without --tls-port keeps the TLS vhost on its non-443 port (second run changes nothing)', async () => {
    const a = await apache([{ name: 'port.site.test' }]);
    const l = lineage(['port.site.test'], 'port');
    const tlsPort = await freePort();
    expect((await installApacheCli(l.store, a.serverRoot, 'port', tlsPort)).code).toBe(0);
    const after = snapshotWithModes(a.serverRoot);
    const base = ['--store', l.store, 'install', 'apache', '--name', 'port', '--server-root', a.serverRoot];
    const dry = await certkitAsync([...base, '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toMatch(/nothing would change/);
    const again = await certkitAsync([...base, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).noop).toBe(true);
    expect(snapshotWithModes(a.serverRoot)).toEqual(after);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'port.site.test')).toBe(l.fingerprint);
    // without any recorded spec (a library caller): the port of the existing twin is reused
    const r = await installApache({
      lineage: 'port',
      names: ['port.site.test'],
      fullchainPath: join(l.store, 'live', 'port', 'fullchain.pem'),
      keyPath: join(l.store, 'live', 'port', 'privkey.pem'),
      serverRoot: a.serverRoot,
      dryRun: true,
    });
    expect(r.noop).toBe(true);
  });
});
