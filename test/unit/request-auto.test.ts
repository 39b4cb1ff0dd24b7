/** The pure decisions behind the bare `certkit request NAME` (src/acme/auto). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseChallenge, type ChoiceFacts } from '../../src/acme/auto/choose.js';
import { listeningInodes } from '../../src/acme/auto/port-owner.js';
import { nextCronRun, describeNextRun } from '../../src/acme/auto/next-renewal.js';
import { tlsPortFromTree } from '../../src/acme/auto/tls-port.js';
import { aliasConfDir, aliasConfText } from '../../src/acme/auto/alias-conf.js';
import { defaultServerInDump, defaultVhost, serveNames } from '../../src/acme/auto/apache-site.js';
import { loadApacheConfig } from '../../src/deploy/apache/config.js';
import { tempDir } from '../helpers/openssl.js';

const apacheServing = (over: Partial<NonNullable<ChoiceFacts['apache']>> = {}): ChoiceFacts['apache'] => ({
  serverRoot: '/etc/apache2',
  port: 80,
  running: true,
  served: [{ name: 'www.example.com', vhostFile: '/etc/apache2/sites-available/site.conf' }],
  unserved: [],
  ...over,
});

describe('chooseChallenge', () => {
  const facts = (over: Partial<ChoiceFacts>): ChoiceFacts => ({
    names: ['www.example.com'],
    port: 80,
    apache: null,
    owner: null,
    ...over,
  });

  it('a running Apache serving every name answers through Apache', () => {
    const c = chooseChallenge(
      facts({ apache: apacheServing(), owner: { port: 80, name: 'apache2', pid: 7 } }),
    );
    expect(c.challenge).toEqual({ type: 'apache', serverRoot: '/etc/apache2', port: 80 });
    expect(c.apache).toBe(true);
    expect(c.line).toBe(
      'Apache serves www.example.com on port 80 (/etc/apache2/sites-available/site.conf): answering http-01 through it',
    );
  });

  it('port free: standalone, also when Apache is configured for the name but stopped', () => {
    expect(chooseChallenge(facts({})).challenge).toEqual({ type: 'standalone', port: 80, address: '' });
    const c = chooseChallenge(facts({ apache: apacheServing({ running: false }) }));
    expect(c.challenge.type).toBe('standalone');
    expect(c.line).toMatch(/^Apache is configured for www\.example\.com but not running and port 80 is free/);
    expect(c.apache).toBe(false);
  });

  it('port held by another program: a usage error naming it and the flags that would work', () => {
    const run = () => chooseChallenge(facts({ owner: { port: 80, name: 'nginx', pid: 42 } }));
    expect(run).toThrow(/^port 80 is held by nginx \(pid 42\)/);
    try {
      run();
    } catch (err) {
      expect((err as { kind: string; hint: string }).kind).toBe('usage');
      expect((err as { hint: string }).hint).toMatch(/--webroot DIR .*--dns-hook CMD/);
    }
    expect(() => chooseChallenge(facts({ owner: { port: 80, name: null, pid: null } }))).toThrow(
      /held by another program \(its name is not readable/,
    );
  });

  it('Apache holds the port but serves none of the names: says which names', () => {
    expect(() =>
      chooseChallenge(
        facts({
          apache: apacheServing({ served: [], unserved: ['www.example.com'] }),
          owner: { port: 80, name: 'apache2', pid: 3 },
        }),
      ),
    ).toThrow(/held by Apache apache2 \(pid 3\), but none of its port-80 sites serves www\.example\.com/);
  });

  it('a wildcard points at --dns-hook / --manual, even with Apache serving', () => {
    expect(() => chooseChallenge(facts({ names: ['*.example.com'], apache: apacheServing() }))).toThrow(
      /a wildcard can only be proven over DNS/,
    );
  });
});

describe('/proc/net/tcp parsing', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0',
    '   1: 0100007F:0050 0100007F:CE04 01 00000000:00000000 03:00000000 00000000     0        0 2222 3 0',
    '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0 100 0 0 10 0',
  ].join('\n');
  it('finds the listening socket inodes of a port, not connected ones', () => {
    expect(listeningInodes([table], 80)).toEqual(['1111']);
    expect(listeningInodes([table], 8080)).toEqual(['3333']);
    expect(listeningInodes([table], 443)).toEqual([]);
  });
});

describe('next renewal run', () => {
  it('cron: MIN */12 fires at the next 00:43 or 12:43 UTC', () => {
    expect(nextCronRun('43', '*/12', new Date('2026-11-26T14:00:00Z'))?.toISOString()).toBe(
      '2026-11-27T00:43:00.000Z',
    );
    expect(nextCronRun('43', '*/12', new Date('2026-11-26T05:00:00Z'))?.toISOString()).toBe(
      '2026-11-26T12:43:00.000Z',
    );
    expect(nextCronRun('@daily', '*', new Date())).toBeNull();
    expect(
      describeNextRun(
        '/etc/cron.d/certkit',
        '43 */12 * * * root /usr/bin/certkit --quiet renew\n',
        new Date('2026-11-26T14:00:00Z'),
      ),
    ).toBe('2026-11-27 00:43 UTC');
  });
});

describe('next renewal run of a systemd timer', () => {
  it('asks systemd-analyze for the next elapse of OnCalendar and names the random delay', () => {
    const timer = '[Timer]\nOnCalendar=*-*-* 00,12:00:00\nRandomizedDelaySec=1h\nPersistent=true\n';
    expect(describeNextRun('/etc/systemd/system/certkit-renew.timer', timer, new Date())).toMatch(
      /^\w{3} \d{4}-\d\d-\d\d (00|12):00:00 UTC \(plus a random delay up to 1h\)$/,
    );
  });
});

describe('Apache tree facts', () => {
  function tree(ports: string, site: string) {
    const root = tempDir();
    mkdirSync(join(root, 'conf-enabled'));
    mkdirSync(join(root, 'sites-enabled'));
    writeFileSync(
      join(root, 'apache2.conf'),
      'Include ports.conf\nIncludeOptional conf-enabled/*.conf\nIncludeOptional sites-enabled/*.conf\n',
    );
    writeFileSync(join(root, 'ports.conf'), ports);
    writeFileSync(join(root, 'sites-enabled', 'site.conf'), site);
    return loadApacheConfig(root);
  }
  const site =
    '<VirtualHost *:80>\n  ServerName www.example.com\n  ServerAlias example.com\n  DocumentRoot /srv/www/\n</VirtualHost>\n' +
    '<VirtualHost 127.0.0.1:8080>\n  ServerName app.example.com\n</VirtualHost>\n';

  it('the TLS port: Debian-style Listen inside <IfModule ssl_module>, Listen ... https, else 443', () => {
    expect(
      tlsPortFromTree(tree('Listen 80\n<IfModule ssl_module>\n  Listen 8443\n</IfModule>\n', site), 80),
    ).toBe(8443);
    expect(tlsPortFromTree(tree('Listen 80\nListen 4443 https\n', site), 80)).toBe(4443);
    expect(tlsPortFromTree(tree('Listen 80\n', site), 80)).toBe(443);
  });

  it('the temporary Alias goes into the included conf directory, not sites-enabled', () => {
    const cfg = tree('Listen 80\n', site);
    expect(aliasConfDir(cfg)).toBe(join(cfg.serverRoot, 'conf-enabled'));
    const rhel = tempDir();
    mkdirSync(join(rhel, 'conf'));
    writeFileSync(
      join(rhel, 'conf', 'httpd.conf'),
      'Include conf.modules.d/*.conf\nIncludeOptional conf.d/*.conf\n',
    );
    expect(aliasConfDir(loadApacheConfig(rhel))).toBe(join(rhel, 'conf.d'));
    expect(aliasConfText('/run/certkit/http-01-x')).toMatch(
      /^Alias \/\.well-known\/acme-challenge\/ "\/run\/certkit\/http-01-x\/"$/m,
    );
  });

  it('which vhost serves each name, on the wanted port or the port-80 one', () => {
    const cfg = tree('Listen 80\n', site);
    const r = serveNames(cfg, ['www.example.com', 'example.com', 'app.example.com']);
    expect(r.port).toBe(80);
    expect(r.served.map((s) => [s.name, s.host, s.docroot])).toEqual([
      ['www.example.com', '127.0.0.1', '/srv/www'],
      ['example.com', '127.0.0.1', '/srv/www'],
    ]);
    expect(r.unserved).toEqual(['app.example.com']);
    expect(serveNames(cfg, ['app.example.com']).port).toBe(8080);
    // `*:80` on a server listening on one address only: connect there
    expect(serveNames(tree('Listen 192.0.2.7:80\n', site), ['www.example.com']).served[0]!.host).toBe(
      '192.0.2.7',
    );
    expect(serveNames(tree('Listen 80\n', site), ['www.example.com']).served[0]!.host).toBe('127.0.0.1');
  });

  it("a name no site claims: the port's first vhost answers when it has no ServerName (Debian's 000-default), else refused with why", () => {
    const stock =
      '<VirtualHost *:80>\n  ServerAdmin webmaster@localhost\n  DocumentRoot /var/www/html\n</VirtualHost>\n';
    const named =
      '<VirtualHost *:80>\n  ServerName www.example.com\n  DocumentRoot /srv/www\n</VirtualHost>\n';
    // stock default first, a named site after it: the named one keeps its name, x goes to the default
    const r = serveNames(tree('Listen 80\n', stock + named), ['x.example.com', 'www.example.com']);
    expect(r.unserved).toEqual([]);
    expect(
      r.served.map((s) => [s.name, s.docroot, s.vhostLocation.replace(/.*\//, ''), !!s.byDefault]),
    ).toEqual([
      ['x.example.com', '/var/www/html', 'site.conf:1', true],
      ['www.example.com', '/srv/www', 'site.conf:5', false],
    ]);
    expect(r.served[0]!.byDefault).toMatch(
      /the first vhost for \*:80, \S+site\.conf:1, which has no ServerName/,
    );
    // the named site is listed first: Apache answers x from it, but it is www's site, so certkit refuses
    const other = serveNames(tree('Listen 80\n', named + stock), ['x.example.com']);
    expect(other.served).toEqual([]);
    expect(other.noDefault).toMatch(
      /the default site for port 80 \(the first one listed\) is the site of www\.example\.com/,
    );
    // a nameless vhost that is not the first for its address is not the default
    expect(defaultVhost(tree('Listen 80\n', named + stock), 80).vhost).toBeNull();
    // vhosts on several addresses: the default depends on the address the name resolves to
    const split = '<VirtualHost 192.0.2.1:80>\n  DocumentRoot /a\n</VirtualHost>\n' + stock;
    expect(defaultVhost(tree('Listen 80\n', split), 80).why).toMatch(
      /several addresses \(192\.0\.2\.1, \*\)/,
    );
    // a wildcard is never answered through a site
    expect(serveNames(tree('Listen 80\n', stock), ['*.example.com']).unserved).toEqual(['*.example.com']);
  });

  it('chooseChallenge says when the default site was used, and why a default was refused', () => {
    const c = chooseChallenge({
      names: ['x.example.com'],
      port: 80,
      owner: { port: 80, name: 'apache2', pid: 7 },
      apache: apacheServing({
        served: [{ name: 'x.example.com', vhostFile: '/e/000-default.conf', byDefault: 'WHY' }],
      }),
    });
    expect(c.line).toBe(
      "no Apache site names x.example.com, so Apache's default site on port 80 serves it (WHY): answering http-01 through it",
    );
    expect(() =>
      chooseChallenge({
        names: ['x.example.com'],
        port: 80,
        owner: { port: 80, name: 'apache2', pid: 7 },
        apache: apacheServing({ served: [], unserved: ['x.example.com'], noDefault: 'REASON' }),
      }),
    ).toThrow(/none of its port-80 sites serves x\.example\.com \(REASON\)/);
  });

  it('the default server of an address in apache2 -S output (one vhost, or a NameVirtualHost)', () => {
    const one =
      'VirtualHost configuration:\n*:80                   127.0.0.1 (/etc/apache2/sites-enabled/000-default.conf:1)\nServerRoot: "/etc/apache2"\n';
    expect(defaultServerInDump(one, '*', 80)).toBe('/etc/apache2/sites-enabled/000-default.conf:1');
    const many =
      'VirtualHost configuration:\n*:80                   is a NameVirtualHost\n         default server a.test (/e/sites-enabled/a.conf:1)\n         port 80 namevhost a.test (/e/sites-enabled/a.conf:1)\n         port 80 namevhost b.test (/e/sites-enabled/b.conf:1)\n';
    expect(defaultServerInDump(many, '*', 80)).toBe('/e/sites-enabled/a.conf:1');
    expect(defaultServerInDump(many, '*', 8080)).toBeNull();
  });
});
