import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exposureFindings, type PortFacts } from '../../src/audit/findings.js';
import { parseHttpHead } from '../../src/audit/identify.js';
import { originFor, type ApacheSite } from '../../src/audit/origins.js';
import { asteriskListeners, splitBind } from '../../src/audit/origins-asterisk.js';
import { parseProcNet } from '../../src/audit/sockets.js';
import { tempDir } from '../helpers/openssl.js';

// rows as the kernel prints them (taken from this machine's /proc/net/{tcp,tcp6,udp}; inodes shortened)
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:9C40 0100007F:0CEA 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: 0F00020A:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:13C5 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F49 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2003 1 0000000000000000 100 0 0 10 0
   3: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2004 1 0000000000000000 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000   106        0 3001 2 0000000000000000 0
  101: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 3002 2 0000000000000000 0
`;

describe('parseProcNet', () => {
  it('keeps LISTEN rows and decodes little-endian IPv4 addresses and the bind scope', () => {
    const s = parseProcNet(TCP, 'tcp', 4);
    expect(s.map((x) => [x.address, x.port, x.scope, x.inode, x.uid])).toEqual([
      ['127.0.0.1', 3306, 'loopback', 1001, 0],
      ['0.0.0.0', 8080, 'all', 1002, 33],
      ['10.2.0.15', 443, 'address', 1004, 0],
    ]);
  });
  it('decodes IPv6: any, ::1, IPv4-mapped, and a global address', () => {
    const s = parseProcNet(TCP6, 'tcp', 6);
    expect(s.map((x) => [x.address, x.port, x.scope])).toEqual([
      ['::', 80, 'all'],
      ['::1', 5061, 'loopback'],
      ['::ffff:127.0.0.1', 8009, 'loopback'],
      ['2001:db8::1', 443, 'address'],
    ]);
  });
  it("UDP: bound (unconnected) sockets only, not a resolver's connected client socket", () => {
    expect(parseProcNet(UDP, 'udp', 4).map((x) => [x.address, x.port])).toEqual([['0.0.0.0', 5060]]);
  });
});

describe('parseHttpHead', () => {
  it('reads status, Location and a password request', () => {
    expect(
      parseHttpHead('HTTP/1.1 301 Moved\r\nLocation: https://x.test/\r\nServer: Apache\r\n\r\n'),
    ).toEqual({
      status: 301,
      location: 'https://x.test/',
      authRequired: false,
      server: 'Apache',
    });
    expect(
      parseHttpHead('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="a"\r\n\r\n')?.authRequired,
    ).toBe(true);
    expect(parseHttpHead('SIP/2.0 200 OK\r\n\r\n')).toBeNull();
  });
});

describe('exposureFindings', () => {
  const base: PortFacts = {
    scope: 'all',
    port: 5038,
    identity: { speaks: 'ami' },
    origin: { kind: 'unknown' },
  };
  it('AMI beyond loopback is CRITICAL plaintext-exposed; on loopback it is not a finding', () => {
    expect(exposureFindings(base).map((f) => [f.id, f.severity])).toEqual([
      ['plaintext-exposed', 'CRITICAL'],
    ]);
    expect(exposureFindings({ ...base, scope: 'loopback' })).toEqual([]);
  });
  it('IMAP/POP3 without STARTTLS are exposed; with STARTTLS they are fine', () => {
    expect(exposureFindings({ ...base, identity: { speaks: 'imap', starttls: false } })[0]?.id).toBe(
      'plaintext-exposed',
    );
    expect(exposureFindings({ ...base, identity: { speaks: 'pop3', starttls: true } })).toEqual([]);
  });
  it('no-https-redirect only for names with an HTTPS twin; a redirect to https:// is fine', () => {
    const http: PortFacts = { ...base, port: 80, identity: { speaks: 'http' } };
    const r = (status: number, location: string | undefined, hasTlsTwin: boolean) =>
      exposureFindings({
        ...http,
        redirects: [{ name: 'a.test', status, location, hasTlsTwin, lineage: null }],
      }).map((f) => f.id);
    expect(r(200, undefined, true)).toEqual(['no-https-redirect']);
    expect(r(301, 'https://a.test/', true)).toEqual([]);
    expect(r(301, 'http://b.test/', true)).toEqual(['no-https-redirect']);
    expect(r(200, undefined, false)).toEqual([]);
  });
  it('admin-without-auth: 200 without a 401, over the network only', () => {
    const admin = [
      { path: '/a2billing', status: 200, authRequired: false, name: 'a.test', lineage: 'a.test' },
    ];
    const f = exposureFindings({ ...base, identity: { speaks: 'http' }, admin });
    expect(f.map((x) => x.id)).toEqual(['admin-without-auth']);
    expect(f[0]?.fix).toBe(
      'certkit install apache --name a.test --basic-auth <htpasswd> --auth-path /a2billing',
    );
    expect(exposureFindings({ ...base, scope: 'loopback', identity: { speaks: 'http' }, admin })).toEqual([]);
    expect(
      exposureFindings({
        ...base,
        identity: { speaks: 'http' },
        admin: [{ ...admin[0]!, status: 401, authRequired: true }],
      }),
    ).toEqual([]);
  });
  it('a TLS port whose certificate no lineage renews is unmanaged, with the request command', () => {
    const f = exposureFindings({
      ...base,
      identity: { speaks: 'tls' },
      lineage: null,
      certNames: ['pbx.test'],
    });
    expect(f.map((x) => [x.id, x.fix])).toEqual([['unmanaged-certificate', 'certkit request pbx.test']]);
    expect(exposureFindings({ ...base, identity: { speaks: 'tls' }, lineage: 'pbx.test' })).toEqual([]);
  });
});

describe('origins', () => {
  const site: ApacheSite = {
    file: '/etc/apache2/sites-enabled/a.conf',
    line: 3,
    names: ['a.test'],
    addresses: [{ host: '*', port: 80 }],
    ssl: false,
    authPaths: [],
    adminPaths: [],
  };
  it('maps a port to the Apache vhost on it, else the Asterisk part, else the process', () => {
    const sock = { transport: 'tcp' as const, address: '0.0.0.0', port: 80 };
    expect(originFor(sock, [site], [], { name: 'apache2', pid: 1 }).kind).toBe('apache');
    expect(
      originFor(
        { ...sock, port: 5038 },
        [site],
        [
          {
            part: 'manager',
            section: 'general',
            file: 'manager.conf',
            transport: 'tcp',
            address: '0.0.0.0',
            port: 5038,
            tls: false,
          },
        ],
        { name: 'asterisk', pid: 2 },
      ).kind,
    ).toBe('asterisk');
    expect(originFor({ ...sock, port: 22 }, [site], [], { name: 'sshd', pid: 3 })).toEqual({
      kind: 'process',
      name: 'sshd',
      pid: 3,
    });
    // a vhost on 80 does not claim a port someone else holds
    expect(originFor(sock, [site], [], { name: 'nginx', pid: 4 }).kind).toBe('process');
  });
  it('reads Asterisk bind values with their default ports', () => {
    expect(splitBind('0.0.0.0:5061', 5061)).toEqual({ address: '0.0.0.0', port: 5061 });
    expect(splitBind('127.0.0.1', 5039)).toEqual({ address: '127.0.0.1', port: 5039 });
    expect(splitBind('[::]:8089', 8089)).toEqual({ address: '::', port: 8089 });
    expect(splitBind(undefined, 5060)).toEqual({ address: '0.0.0.0', port: 5060 });
  });
});

describe('asteriskListeners (QA round 3)', () => {
  it("follows pjsip.conf's #include / #tryinclude (globs too) as Asterisk does; ws/wss open no port of their own", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pjsip.d'));
    writeFileSync(
      join(dir, 'pjsip.conf'),
      '[transport-udp]\ntype=transport\nprotocol=udp\nbind=0.0.0.0\n#include "pjsip.d/*.conf"\n#tryinclude pjsip_certkit.conf\n',
    );
    writeFileSync(join(dir, 'pjsip.d', 'tpl.conf'), '[tls-tpl](!)\ntype=transport\nprotocol=tls\n');
    writeFileSync(
      join(dir, 'pjsip.d', 'wss.conf'),
      '[transport-wss]\ntype=transport\nprotocol=wss\nbind=0.0.0.0\n',
    );
    // what `certkit install asterisk` adds when there was no TLS transport, and a transport from a template
    writeFileSync(
      join(dir, 'pjsip_certkit.conf'),
      '[transport-tls-certkit]\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\n[tls-b](tls-tpl)\nbind=127.0.0.1:5071\n',
    );
    const pjsip = asteriskListeners(dir).filter((l) => l.part === 'pjsip');
    expect(pjsip.map((l) => [l.section, l.transport, l.port, l.tls, basename(l.file)])).toEqual([
      ['transport-udp', 'udp', 5060, false, 'pjsip.conf'],
      ['transport-tls-certkit', 'tcp', 5061, true, 'pjsip_certkit.conf'],
      ['tls-b', 'tcp', 5071, true, 'pjsip_certkit.conf'],
    ]);
  });
});
