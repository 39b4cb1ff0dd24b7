/** Regressions from QA round 3 (a new user's Apache configurations): install apache against a real private Apache. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certkitAsync } from '../helpers/cli.js';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { tempDir } from '../helpers/openssl.js';
import { installApacheCli, lineage } from './apache-helpers.js';
import { fetchPage, servedFingerprint } from '../../src/deploy/probe.js';

const running: ApacheInstance[] = [];
afterEach(() => {
  for (const a of running.splice(0)) a.stop();
});

/**
 * A private Apache (Debian layout) with the files `files(httpPort, www)` gives, relative to the server root
 * (sites-available/X.conf is enabled), and a www directory with an index page; started.
 */
async function apacheWith(files: (httpPort: number, www: string) => Record<string, string>) {
  const a = createApache({ dir: tempDir('certkit-apache-'), httpPort: await freePort() });
  const www = join(dirname(a.serverRoot), 'www', 'site');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), '<h1>site</h1>\n');
  for (const [path, text] of Object.entries(files(a.httpPort, www))) {
    mkdirSync(dirname(join(a.serverRoot, path)), { recursive: true });
    writeFileSync(join(a.serverRoot, path), text);
    const site = /^sites-available\/(.+)$/.exec(path)?.[1];
    if (site) symlinkSync(`../sites-available/${site}`, join(a.serverRoot, 'sites-enabled', site));
  }
  a.start();
  running.push(a);
  return a;
}

describe('install apache: QA round 3', () => {
  it('a vhost whose names come from an Included per-site snippet is found, gets its HTTPS twin and redirect', async () => {
    const a = await apacheWith((port, www) => ({
      'sites-available/inc.conf': [
        `<VirtualHost 127.0.0.1:${port}>`,
        '    Include snippets/inc-names.conf',
        `    <Directory ${www}>`,
        '        Require all granted',
        '    </Directory>',
        '</VirtualHost>',
        '',
      ].join('\n'),
      'snippets/inc-names.conf': `ServerName inc.site.test\nServerAlias www.inc.site.test\nDocumentRoot ${www}\n`,
    }));
    const l = lineage(['inc.site.test', 'www.inc.site.test'], 'inc');
    const list = await certkitAsync(['install', 'apache', '--list', '--server-root', a.serverRoot]);
    expect(list.stdout).toMatch(/inc\.site\.test, www\.inc\.site\.test +HTTP +yes/);
    const tlsPort = await freePort();
    const r = await installApacheCli(l.store, a.serverRoot, 'inc', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'www.inc.site.test')).toBe(l.fingerprint);
    expect((await fetchPage('https', '127.0.0.1', tlsPort, 'www.inc.site.test')).status).toBe(200);
    const redirect = await fetchPage('http', '127.0.0.1', a.httpPort, 'www.inc.site.test', '/x');
    expect([redirect.status, redirect.location]).toEqual([301, `https://www.inc.site.test:${tlsPort}/x`]);
  });
});
