/** Regressions from QA round 3 (a new user's Apache configurations): install apache against a real private Apache. */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('a sites-enabled symlink into a directory of its own (not sites-available) is edited there (was an internal error)', async () => {
    const a = await apacheWith(() => ({}));
    const elsewhere = join(dirname(a.serverRoot), 'elsewhere');
    mkdirSync(elsewhere);
    const www = join(dirname(a.serverRoot), 'www', 'site');
    writeFileSync(
      join(elsewhere, 'link.conf'),
      `<VirtualHost *:${a.httpPort}>\n\tServerName link.site.test\n\tDocumentRoot ${www}\n\t<Directory ${www}>\n\t\tRequire all granted\n\t</Directory>\n</VirtualHost>\n`,
    );
    symlinkSync(join(elsewhere, 'link.conf'), join(a.serverRoot, 'sites-enabled', 'link.conf'));
    a.control('graceful');
    const l = lineage(['link.site.test'], 'link');
    const tlsPort = await freePort();
    const r = await installApacheCli(l.store, a.serverRoot, 'link', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(elsewhere, 'link.conf'), 'utf8')).toContain('# BEGIN certkit redirect');
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'link.site.test')).toBe(l.fingerprint);
  });

  it("the certificate's names a vhost answers through a wildcard ServerAlias get the twin and the redirect too", async () => {
    const a = await apacheWith((port, www) => ({
      'sites-available/w.conf': `<VirtualHost *:${port}>\n    ServerName w.site.test\n    ServerAlias *.w.site.test\n    DocumentRoot ${www}\n    <Directory ${www}>\n        Require all granted\n    </Directory>\n</VirtualHost>\n`,
    }));
    const l = lineage(['w.site.test', 'www.w.site.test'], 'w');
    const tlsPort = await freePort();
    const r = await installApacheCli(l.store, a.serverRoot, 'w', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}verified names: w\.site\.test, www\.w\.site\.test$/m);
    const twin = readFileSync(join(a.serverRoot, 'sites-available', 'certkit-w-ssl.conf'), 'utf8');
    expect(twin).toMatch(/^\s+ServerName w\.site\.test\n\s+ServerAlias www\.w\.site\.test$/m);
    const www = await fetchPage('http', '127.0.0.1', a.httpPort, 'www.w.site.test', '/x');
    expect([www.status, www.location]).toEqual([301, `https://www.w.site.test:${tlsPort}/x`]);
    // a name the certificate does not cover stays on HTTP
    expect((await fetchPage('http', '127.0.0.1', a.httpPort, 'other.w.site.test', '/')).status).toBe(200);
  });

  it("a second lineage for another name of the same site gets its own twin; neither takes the other's HTTPS or redirect, re-runs change nothing", async () => {
    const a = await apacheWith((port, www) => ({
      'sites-available/two.conf': `<VirtualHost 127.0.0.1:${port}>\n    ServerName two.site.test\n    ServerAlias www.two.site.test\n    DocumentRoot ${www}\n    <Directory ${www}>\n        Require all granted\n    </Directory>\n</VirtualHost>\n`,
    }));
    const apex = lineage(['two.site.test'], 'apex');
    const www = lineage(['www.two.site.test'], 'www');
    const tlsPort = await freePort();
    const both = async () => ({
      apex: await servedFingerprint('127.0.0.1', tlsPort, 'two.site.test'),
      www: await servedFingerprint('127.0.0.1', tlsPort, 'www.two.site.test'),
      redirects: [
        (await fetchPage('http', '127.0.0.1', a.httpPort, 'two.site.test', '/x')).location,
        (await fetchPage('http', '127.0.0.1', a.httpPort, 'www.two.site.test', '/x')).location,
      ],
    });
    const expected = {
      apex: apex.fingerprint,
      www: www.fingerprint,
      redirects: [`https://two.site.test:${tlsPort}/x`, `https://www.two.site.test:${tlsPort}/x`],
    };
    expect((await installApacheCli(apex.store, a.serverRoot, 'apex', tlsPort)).code).toBe(0);
    const second = await installApacheCli(www.store, a.serverRoot, 'www', tlsPort);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/updated in place|not redirected/);
    expect(await both()).toEqual(expected);
    for (const [l, name] of [
      [apex, 'apex'],
      [www, 'www'],
    ] as const) {
      const again = await installApacheCli(l.store, a.serverRoot, name, tlsPort);
      expect(again.stdout).toContain('already installed: nothing changed');
    }
    expect(await both()).toEqual(expected);
  });
});
