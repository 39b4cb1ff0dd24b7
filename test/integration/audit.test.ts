/**
 * certkit audit against real listeners: a private Apache (an HTTPS site from the store, an HTTP-only site, a
 * password-protected admin path), openssl s_server with a self-signed certificate, a STARTTLS SMTP server, a
 * plaintext AMI banner, a SIP responder over UDP, a TLS server that still takes TLS 1.0 and weak suites.
 * `ss -ltnup` is the truth for which sockets exist.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as tlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { certkit, certkitAsync, ROOT } from '../helpers/cli.js';
import { smtpStarttls, type Listener } from '../helpers/listeners.js';
import { makeChain, read, selfSignedLeaf, tempDir } from '../helpers/openssl.js';

interface Port {
  transport: string;
  address: string;
  port: number;
  scope: string;
  process?: { name: string };
  speaks: string;
  starttls?: boolean;
  originKind: string;
  vhosts?: { file: string; line: number; names: string[] }[];
  certificate?: { lineage: string | null };
  httpAnswers?: { name: string; path: string; status: number; authRequired: boolean }[];
  status: string;
  findings: { id: string; severity: string; fix?: string }[];
}

const dir = tempDir('certkit-audit-');
const htmlFile = join(dir, 'audit.html');
const store = join(dir, 'store');
let apache: ApacheInstance;
let httpPort = 0;
let tlsPort = 0;
let smtp: Listener;
const stoppers: (() => unknown)[] = [];
const ports: Record<string, number> = {};
let rootFile = '';

function listenTcp(server: Server, host: string): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve((server.address() as { port: number }).port)),
  );
}

function ssListening(): { transport: string; local: string; port: number }[] {
  const out = execFileSync('ss', ['-ltnuH']).toString();
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const local = f[4] ?? '';
      const i = local.lastIndexOf(':');
      return { transport: f[0] ?? '', local: local.slice(0, i), port: Number(local.slice(i + 1)) };
    });
}

beforeAll(async () => {
  chmodSync(dir, 0o755); // Apache's workers (www-data) must reach the document roots
  // a lineage in the store, from a local test CA
  const pki = makeChain(dir, ['shop.audit.test']);
  rootFile = pki.root.certFile;
  const full = join(dir, 'shop-full.pem');
  writeFileSync(full, read(pki.rsaLeaf.certFile) + read(pki.int.certFile));
  const imp = certkit([
    '--store',
    store,
    'import',
    '--cert',
    full,
    '--key',
    pki.rsaLeaf.keyFile,
    '--name',
    'shop.audit.test',
    '--ca-file',
    rootFile,
    '--offline',
  ]);
  expect(imp.code, imp.stderr).toBe(0);
  const live = join(store, 'live', 'shop.audit.test');

  // a private Apache: HTTP on every interface, HTTPS for shop, an HTTP-only site with an unprotected /a2billing
  httpPort = await freePort();
  tlsPort = await freePort();
  apache = createApache({
    dir: join(dir, 'apache'),
    httpPort,
    sites: [{ name: 'shop.audit.test' }, { name: 'plain.audit.test' }],
  });
  const root = apache.serverRoot;
  for (const m of ['ssl.load', 'ssl.conf', 'socache_shmcb.load'])
    symlinkSync(`../mods-available/${m}`, join(root, 'mods-enabled', m));
  writeFileSync(join(root, 'ports.conf'), `Listen ${httpPort}\nListen ${tlsPort}\n`);
  const pw = `admin:{SHA}${createHash('sha1').update('s3cret').digest('base64')}\n`;
  writeFileSync(join(dir, 'htpasswd'), pw);
  writeFileSync(
    join(root, 'conf-enabled', 'audit-www.conf'),
    `<Directory ${join(dir, 'apache', 'www')}>\n    Require all granted\n</Directory>\n`,
  );
  const [shop, plain] = apache.sites;
  mkdirSync(join(plain!.docroot, 'a2billing'));
  writeFileSync(join(plain!.docroot, 'a2billing', 'index.html'), 'billing\n');
  writeFileSync(
    join(root, 'sites-available', 'shop.audit.test.conf'),
    [
      `<VirtualHost *:${httpPort}>`,
      '    ServerName shop.audit.test',
      `    DocumentRoot ${shop!.docroot}`,
      '</VirtualHost>',
      `<VirtualHost *:${tlsPort}>`,
      '    ServerName shop.audit.test',
      `    DocumentRoot ${shop!.docroot}`,
      '    SSLEngine on',
      `    SSLCertificateFile ${live}/fullchain.pem`,
      `    SSLCertificateKeyFile ${live}/privkey.pem`,
      '    <Location /admin>',
      '        AuthType Basic',
      '        AuthName "admin"',
      `        AuthUserFile ${join(dir, 'htpasswd')}`,
      '        Require valid-user',
      '    </Location>',
      '</VirtualHost>',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(root, 'sites-available', 'plain.audit.test.conf'),
    [
      `<VirtualHost *:${httpPort}>`,
      '    ServerName plain.audit.test',
      `    DocumentRoot ${plain!.docroot}`,
      '</VirtualHost>',
      '',
    ].join('\n'),
  );
  apache.start();
  stoppers.push(() => apache.stop());

  // openssl s_server with a self-signed certificate
  const appliance = selfSignedLeaf(dir, 'ss', 'appliance.audit.test');
  ports.sserver = await freePort();
  const sserver: ChildProcess = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${ports.sserver}`,
      '-cert',
      appliance.certFile,
      '-key',
      appliance.keyFile,
      '-quiet',
      '-naccept',
      '1000',
    ],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  stoppers.push(() => sserver.kill('SIGKILL'));

  // STARTTLS SMTP on loopback
  smtp = await smtpStarttls(read(pki.ecLeaf.certFile), read(pki.ecLeaf.keyFile));
  ports.smtp = smtp.port;
  stoppers.push(() => smtp.close());

  // a plaintext AMI banner on every interface
  const ami = createServer((s) => {
    s.on('error', () => {});
    s.write('Asterisk Call Manager/7.0.3\r\n');
  });
  ports.ami = await listenTcp(ami, '0.0.0.0');
  stoppers.push(() => ami.close());

  // a TLS server that still accepts TLS 1.0 and a suite without forward secrecy
  const weak = tlsServer(
    {
      cert: read(pki.rsaLeaf.certFile),
      key: read(pki.rsaLeaf.keyFile),
      minVersion: 'TLSv1',
      ciphers: 'ALL:@SECLEVEL=0',
    },
    (s) => s.end(),
  );
  weak.on('tlsClientError', () => {});
  ports.weak = await listenTcp(weak, '127.0.0.1');
  stoppers.push(() => weak.close());

  // SIP over UDP on every interface: answers OPTIONS like Asterisk does
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (m, rinfo) => {
    if (/^OPTIONS /.test(m.toString()))
      udp.send('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n', rinfo.port, rinfo.address);
  });
  ports.sip = await new Promise<number>((r) => udp.bind(0, '0.0.0.0', () => r(udp.address().port)));
  stoppers.push(() => udp.close());

  // a UDP socket that never answers
  const mute = createSocket('udp4');
  ports.mute = await new Promise<number>((r) => mute.bind(0, '127.0.0.1', () => r(mute.address().port)));
  stoppers.push(() => mute.close());
  // wait for s_server to accept
  for (let i = 0; i < 100 && !ssListening().some((s) => s.port === ports.sserver); i++)
    await new Promise((r) => setTimeout(r, 50));
}, 60_000);

afterAll(async () => {
  for (const s of stoppers.reverse()) await s();
});

function auditArgs(extra: string[] = []) {
  const all = [httpPort, tlsPort, ...Object.values(ports)];
  return [
    '--store',
    store,
    '--json',
    'audit',
    '--ports',
    all.join(','),
    '--server-root',
    apache.serverRoot,
    '--asterisk-dir',
    join(dir, 'no-asterisk'),
    '--admin-path',
    '/a2billing',
    '--ca-file',
    rootFile,
    '--timeout',
    '4',
    ...extra,
  ];
}

describe('certkit audit (local)', () => {
  let report: { status: string; exitCode: number; ports: Port[] };
  const find = (port: number, transport = 'tcp') =>
    report.ports.find((p) => p.port === port && p.transport === transport);
  const ids = (p: Port | undefined) => (p?.findings ?? []).map((f) => f.id);

  beforeAll(async () => {
    const r = await certkitAsync(auditArgs(['--html', htmlFile]), { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    report = JSON.parse(r.stdout);
    expect(r.code).toBe(report.exitCode);
  }, 60_000);

  it('lists exactly the sockets ss shows for these ports, with their bind scope', () => {
    const truth = ssListening().filter((s) => [httpPort, tlsPort, ...Object.values(ports)].includes(s.port));
    expect(truth.length).toBeGreaterThanOrEqual(8);
    for (const t of truth) {
      const p = find(t.port, t.transport);
      expect(p, `${t.transport} ${t.local}:${t.port}`).toBeDefined();
      const local = t.local.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
      expect(
        ['*', '0.0.0.0', '::'].includes(local) ? 'all' : /^127\.|^::1$/.test(local) ? 'loopback' : 'address',
      ).toBe(p!.scope);
    }
    expect(
      report.ports.filter((p) => [httpPort, tlsPort, ...Object.values(ports)].includes(p.port)).length,
    ).toBe(truth.length);
  });

  it('Apache HTTP: the vhosts (file:line), the missing redirect, the unprotected admin path', () => {
    const p = find(httpPort)!;
    expect(p.speaks).toBe('http');
    expect(p.scope).toBe('all');
    expect(p.originKind).toBe('apache');
    expect(p.process?.name).toMatch(/apache2/);
    const files = p.vhosts!.map((v) => `${v.file.split('/').pop()}:${v.line}`).sort();
    expect(files).toEqual(['plain.audit.test.conf:1', 'shop.audit.test.conf:1']);
    expect(ids(p)).toContain('no-https-redirect');
    expect(ids(p)).toContain('admin-without-auth');
    expect(p.httpAnswers).toContainEqual(
      expect.objectContaining({
        name: 'plain.audit.test',
        path: '/a2billing',
        status: 200,
        authRequired: false,
      }),
    );
    const admin = p.findings.find((f) => f.id === 'admin-without-auth')!;
    expect(admin.severity).toBe('CRITICAL');
    expect(admin.fix).toMatch(/certkit install apache .*--basic-auth .*--auth-path \/a2billing/);
  });

  it('Apache HTTPS: the lineage it serves, trusted with the test root, its admin path asks for a password', () => {
    const p = find(tlsPort)!;
    expect(p.speaks).toBe('tls');
    expect(p.certificate?.lineage).toBe('shop.audit.test');
    expect(p.vhosts?.[0]?.line).toBe(5);
    expect(ids(p)).not.toContain('unmanaged-certificate');
    expect(ids(p)).not.toContain('admin-without-auth');
    expect(p.httpAnswers).toContainEqual(
      expect.objectContaining({ name: 'shop.audit.test', path: '/admin', status: 401, authRequired: true }),
    );
    expect(ids(p)).not.toContain('untrusted');
  });

  it('openssl s_server: self-signed and unmanaged, with the process that opened it', () => {
    const p = find(ports.sserver!)!;
    expect(p.speaks).toBe('tls');
    expect(p.scope).toBe('loopback');
    expect(p.process?.name).toBe('openssl');
    expect(p.certificate?.lineage).toBeNull();
    expect(ids(p)).toEqual(expect.arrayContaining(['unmanaged-certificate', 'self-signed']));
    expect(p.findings.find((f) => f.id === 'unmanaged-certificate')!.fix).toBe(
      'certkit request appliance.audit.test',
    );
  });

  it('SMTP with STARTTLS on loopback: recognised, nothing exposed', () => {
    const p = find(ports.smtp!)!;
    expect(p.speaks).toBe('smtp');
    expect(p.starttls).toBe(true);
    expect(ids(p)).not.toContain('plaintext-exposed');
  });

  it('a plaintext AMI on every interface is CRITICAL plaintext-exposed with the fix', () => {
    const p = find(ports.ami!)!;
    expect(p.speaks).toBe('ami');
    expect(p.scope).toBe('all');
    const f = p.findings.find((x) => x.id === 'plaintext-exposed')!;
    expect(f.severity).toBe('CRITICAL');
    expect(f.fix).toMatch(/certkit install asterisk .*--manager/);
    expect(p.status).toBe('CRITICAL');
  });

  it('TLS 1.0 and a suite without forward secrecy are found', () => {
    expect(ids(find(ports.weak!))).toEqual(expect.arrayContaining(['tls-old-protocols', 'weak-ciphers']));
    // Apache with Debian's ssl.conf refuses TLS 1.0/1.1
    expect(ids(find(tlsPort))).not.toContain('tls-old-protocols');
  });

  it('SIP over UDP answers OPTIONS; a mute UDP socket is listed as unknown', () => {
    const sip = find(ports.sip!, 'udp')!;
    expect(sip.speaks).toBe('sip');
    expect(ids(sip)).toContain('plaintext-exposed');
    expect(find(ports.mute!, 'udp')?.speaks).toBe('unknown');
  });

  it('the HTML report, read back from headless Chromium, shows the same ports, findings and fixes', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${htmlFile}`);
      expect(await page.textContent('#overall')).toBe(report.status);
      const rows = await page.$$eval('#ports tbody tr', (trs) =>
        trs.map((tr) => ({
          port: Number(tr.getAttribute('data-port')),
          transport: tr.getAttribute('data-transport'),
          status: tr.getAttribute('data-status'),
          findings: [...tr.querySelectorAll('[data-finding-id]')].map((li) =>
            li.getAttribute('data-finding-id'),
          ),
        })),
      );
      expect(rows).toEqual(
        report.ports.map((p) => ({
          port: p.port,
          transport: p.transport,
          status: p.status,
          findings: p.findings.map((f) => f.id),
        })),
      );
      expect(await page.textContent(`tr[data-port="${ports.ami}"] code`)).toMatch(/certkit install asterisk/);
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'audit-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('the overall status is the worst port, with the Nagios exit code', () => {
    expect(report.status).toBe('CRITICAL');
    expect(report.exitCode).toBe(2);
  });
});

describe('certkit audit: Asterisk as the origin', () => {
  it('an AMI port opened by an asterisk process is mapped to manager.conf, its TLS twin to the same part', async () => {
    const astDir = join(dir, 'asterisk-etc');
    mkdirSync(astDir);
    const amiPort = await freePort();
    writeFileSync(
      join(astDir, 'manager.conf'),
      `[general]\nenabled = yes\nport = ${amiPort}\nbindaddr = 0.0.0.0\n\n[admin]\nsecret = not-shown\n`,
    );
    // a process named "asterisk" (node under that name) speaking AMI's banner: the stand-in for the real one
    const bin = join(dir, 'asterisk');
    symlinkSync(process.execPath, bin);
    const child = spawn(
      bin,
      [
        '-e',
        `require('net').createServer((s) => { s.on('error', () => {}); s.write('Asterisk Call Manager/9.0.0\\r\\n'); }).listen(${amiPort}, '0.0.0.0', () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise((r) => child.stdout!.once('data', r));
      const r = await certkitAsync([
        '--json',
        'audit',
        '--no-apache',
        '--asterisk-dir',
        astDir,
        '--ports',
        String(amiPort),
        '--timeout',
        '3',
      ]);
      const p = (JSON.parse(r.stdout) as { ports: (Port & { asteriskPart?: string; origin: string })[] })
        .ports[0]!;
      expect(p.process?.name).toBe('asterisk');
      expect(p.originKind).toBe('asterisk');
      expect(p.asteriskPart).toBe('manager');
      expect(p.origin).toContain('manager.conf');
      expect(p.findings.map((f) => f.id)).toEqual(['plaintext-exposed']);
      expect(r.stdout).not.toContain('not-shown');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('certkit audit: IPv6-only listeners', () => {
  it('a TLS server on [::1] and an AMI banner on [::] (v6 only) are listed from /proc/net/tcp6 and probed over IPv6', async () => {
    const leaf = selfSignedLeaf(dir, 'v6', 'v6.audit.test');
    const tls6 = tlsServer({ cert: read(leaf.certFile), key: read(leaf.keyFile) }, (s) => {
      s.on('error', () => {});
      s.end();
    });
    const ami6 = createServer((s) => {
      s.on('error', () => {});
      s.write('Asterisk Call Manager/9.0.0\r\n');
    });
    const listen6 = (server: Server, host: string) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host, ipv6Only: true }, () =>
          resolve((server.address() as { port: number }).port),
        );
      });
    const tlsPort6 = await listen6(tls6, '::1');
    const amiPort6 = await listen6(ami6, '::');
    try {
      const truth = ssListening().filter((t) => [tlsPort6, amiPort6].includes(t.port));
      expect(truth.map((t) => t.local).sort()).toEqual(['[::1]', '[::]'].sort());
      const r = await certkitAsync(
        [
          '--store',
          store,
          '--json',
          'audit',
          '--no-apache',
          '--asterisk-dir',
          join(dir, 'no-asterisk'),
          '--ports',
          `${tlsPort6},${amiPort6}`,
          '--timeout',
          '3',
        ],
        { timeoutMs: 30_000 },
      );
      const rep = JSON.parse(r.stdout) as { ports: Port[] };
      const byPort = Object.fromEntries(rep.ports.map((p) => [p.port, p]));
      expect(rep.ports).toHaveLength(2);
      const t = byPort[tlsPort6]!;
      expect([t.address, t.scope, t.speaks]).toEqual(['::1', 'loopback', 'tls']);
      expect(t.findings.map((f) => f.id)).toEqual(
        expect.arrayContaining(['unmanaged-certificate', 'self-signed']),
      );
      const a = byPort[amiPort6]!;
      expect([a.address, a.scope, a.speaks]).toEqual(['::', 'all', 'ami']);
      expect(a.findings.map((f) => f.id)).toContain('plaintext-exposed');
    } finally {
      tls6.close();
      ami6.close();
    }
  });
});

describe('certkit audit --remote', () => {
  it('finds the same TCP ports through 127.0.0.1', async () => {
    const tcp = [httpPort, tlsPort, ports.sserver!, ports.smtp!, ports.ami!, ports.weak!];
    const r = await certkitAsync(
      [
        '--store',
        store,
        '--json',
        'audit',
        '--remote',
        '127.0.0.1',
        '--ports',
        tcp.join(','),
        '--timeout',
        '4',
      ],
      { timeoutMs: 60_000 },
    );
    const rep = JSON.parse(r.stdout) as { mode: string; ports: Port[] };
    expect(rep.mode).toBe('remote');
    expect(rep.ports.map((p) => p.port).sort((a, b) => a - b)).toEqual([...tcp].sort((a, b) => a - b));
    const speaks = Object.fromEntries(rep.ports.map((p) => [p.port, p.speaks]));
    expect(speaks[httpPort]).toBe('http');
    expect(speaks[ports.ami!]).toBe('ami');
    expect(speaks[ports.smtp!]).toBe('smtp');
    expect(speaks[tlsPort]).toBe('tls');
  });
});

describe('certkit audit at scale', () => {
  it('200 listening ports (silent ones among them) finish within one timeout plus a second', async () => {
    const servers: Server[] = [];
    const list: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = createServer((c) => c.on('error', () => {}));
      servers.push(s);
      list.push(await listenTcp(s, '127.0.0.1'));
    }
    try {
      const started = Date.now();
      const r = await certkitAsync(
        ['--json', 'audit', '--no-apache', '--ports', list.join(','), '--timeout', '3'],
        { timeoutMs: 30_000 },
      );
      const elapsed = Date.now() - started;
      const rep = JSON.parse(r.stdout) as { ports: Port[] };
      expect(rep.ports.length).toBe(200);
      expect(elapsed).toBeLessThan(4000);
    } finally {
      for (const s of servers) s.close();
    }
  });

  it('a remote host that does not resolve is UNKNOWN with its reason, never "0 open ports, OK"', () => {
    const r = certkit(['audit', '--remote', 'no-such-host.invalid', '--nagios']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^CERTKIT UNKNOWN - no-such-host\.invalid does not resolve/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad --ports list in one line, UNKNOWN as a monitoring plugin must', () => {
    const r = certkit(['audit', '--ports', '80,abc']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--ports: "abc"/);
  });
});
