/** certkit check against real TLS listeners on loopback (node's tls and openssl s_server). */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkitAsync } from '../helpers/cli.js';
import { issue, makeRoot, read, selfSignedLeaf, tempDir } from '../helpers/openssl.js';
import { nodeTls, opensslServer, rude, silent, smtpStarttls, type Listener } from '../helpers/listeners.js';

let dir: string;
let rootFile: string;
const listeners: Record<string, Listener> = {};
const expected: Record<string, { findings: string[]; status: string }> = {
  good: { findings: [], status: 'OK' },
  expired: { findings: ['expired'], status: 'CRITICAL' },
  notyet: { findings: ['not-yet-valid'], status: 'CRITICAL' },
  selfsigned: { findings: ['self-signed'], status: 'WARNING' },
  untrusted: { findings: ['untrusted'], status: 'CRITICAL' },
  incomplete: { findings: ['incomplete-chain'], status: 'CRITICAL' },
  reversed: { findings: ['chain-order'], status: 'WARNING' },
  wronghost: { findings: ['hostname-mismatch'], status: 'CRITICAL' },
  sha1: { findings: ['weak-signature'], status: 'CRITICAL' },
  rsa1024: { findings: ['weak-key'], status: 'CRITICAL' },
  silent: { findings: ['timeout'], status: 'CRITICAL' },
  rude: { findings: ['handshake-failed'], status: 'CRITICAL' },
  smtp: { findings: [], status: 'OK' },
};

const target = (name: string) => `127.0.0.1:${listeners[name]!.port}`;

beforeAll(async () => {
  dir = tempDir();
  const root = makeRoot(dir);
  rootFile = root.certFile;
  const int = issue(dir, 'int', root, { cn: 'Monitor Test Intermediate', ca: true, days: 1000 });
  const otherRoot = makeRoot(dir, 'other-root', 'Untrusted Other Root');
  const otherInt = issue(dir, 'other-int', otherRoot, { cn: 'Other Intermediate', ca: true });
  const sans = ['127.0.0.1', 'localhost'];
  const mk = (name: string, o: Partial<Parameters<typeof issue>[3]> = {}, issuer = int) =>
    issue(dir, name, issuer, { cn: `${name}.test`, sans, key: 'ec256', ...o });
  const full = (leaf: { certFile: string }, ...chain: string[]) =>
    read(leaf.certFile) + chain.map(read).join('');
  const good = mk('good');
  listeners.good = await nodeTls(full(good, int.certFile), read(good.keyFile));
  const expired = mk('expired', { notBefore: '20200101000000Z', notAfter: '20210101000000Z' });
  listeners.expired = await nodeTls(full(expired, int.certFile), read(expired.keyFile));
  const notyet = mk('notyet', { notBefore: '20400101000000Z', notAfter: '20410101000000Z' });
  listeners.notyet = await nodeTls(full(notyet, int.certFile), read(notyet.keyFile));
  const selfsigned = selfSignedLeaf(dir, 'ss', 'selfsigned.test', 90, ['127.0.0.1']);
  listeners.selfsigned = await opensslServer(selfsigned.certFile, selfsigned.keyFile);
  const untrusted = mk('untrusted', {}, otherInt);
  writeFileSync(join(dir, 'untrusted-chain.pem'), read(otherInt.certFile) + read(otherRoot.certFile));
  listeners.untrusted = await opensslServer(
    untrusted.certFile,
    untrusted.keyFile,
    join(dir, 'untrusted-chain.pem'),
  );
  const incomplete = mk('incomplete');
  listeners.incomplete = await nodeTls(read(incomplete.certFile), read(incomplete.keyFile));
  const reversed = mk('reversed');
  writeFileSync(join(dir, 'reversed-chain.pem'), read(root.certFile) + read(int.certFile));
  listeners.reversed = await opensslServer(
    reversed.certFile,
    reversed.keyFile,
    join(dir, 'reversed-chain.pem'),
  );
  const wronghost = mk('wronghost', { sans: ['elsewhere.test'] });
  listeners.wronghost = await nodeTls(full(wronghost, int.certFile), read(wronghost.keyFile));
  const sha1 = mk('sha1', { digest: 'sha1', notBefore: '20250101000000Z', notAfter: '20991231000000Z' });
  listeners.sha1 = await nodeTls(full(sha1, int.certFile), read(sha1.keyFile));
  const weak = mk('rsa1024', { key: 'rsa1024' });
  listeners.rsa1024 = await nodeTls(full(weak, int.certFile), read(weak.keyFile));
  listeners.silent = await silent();
  listeners.rude = await rude();
  listeners.smtp = await smtpStarttls(full(good, int.certFile), read(good.keyFile));
});

afterAll(async () => {
  for (const l of Object.values(listeners)) await l.close();
});

describe('certkit check against real listeners', () => {
  it('each listener yields exactly its findings; the whole run ends within one timeout', async () => {
    // the SMTP listener is on a random port, so it needs --starttls: it is checked on its own below
    const args = Object.keys(expected)
      .filter((k) => k !== 'smtp')
      .map(target);
    const started = Date.now();
    const r = await certkitAsync(['--json', 'check', ...args, '--ca-file', rootFile, '--timeout', '3']);
    const elapsed = Date.now() - started;
    const report = JSON.parse(r.stdout);
    for (const [name, exp] of Object.entries(expected)) {
      if (name === 'smtp') continue;
      const t = report.targets.find((x: any) => x.target === target(name));
      expect(t, name).toBeTruthy();
      expect(t.findings.map((f: any) => f.id).sort(), name).toEqual([...exp.findings].sort());
      expect(t.status, name).toBe(exp.status);
    }
    expect(report.status).toBe('CRITICAL');
    expect(r.code).toBe(2);
    expect(elapsed).toBeLessThan(3000 + 2500); // one timeout (3 s) plus process start, not the sum
    // facts are reported even for broken certificates
    const exp = report.targets.find((x: any) => x.target === target('expired'));
    expect(exp.certificates[0].commonName).toBe('expired.test');
    expect(exp.daysLeft).toBeLessThan(0);
  });

  it('STARTTLS SMTP', async () => {
    const r = await certkitAsync([
      '--json',
      'check',
      target('smtp'),
      '--starttls',
      'smtp',
      '--ca-file',
      rootFile,
    ]);
    const t = JSON.parse(r.stdout).targets[0];
    expect(t.findings).toEqual([]);
    expect(t.certificates[0].commonName).toBe('good.test');
    expect(r.code).toBe(0);
  });

  it('exit codes follow Nagios: OK 0, WARNING 1, CRITICAL 2; --strict makes self-signed CRITICAL; --allow-self-signed exempts', async () => {
    expect((await certkitAsync(['check', target('good'), '--ca-file', rootFile])).code).toBe(0);
    const warn = await certkitAsync(['check', target('selfsigned'), '--nagios']);
    expect(warn.code).toBe(1);
    expect(warn.stdout).toMatch(
      /^CERTKIT WARNING - 127\.0\.0\.1:\d+: self-signed \| '127\.0\.0\.1:\d+@127\.0\.0\.1'=\d+s;2592000:;604800:;;\n$/,
    );
    expect((await certkitAsync(['check', target('selfsigned'), '--strict'])).code).toBe(2);
    expect(
      (await certkitAsync(['check', target('selfsigned'), '--allow-self-signed', '127.0.0.1:*'])).code,
    ).toBe(0);
  });

  it('Prometheus output passes promtool and has metrics for the broken targets too', async () => {
    const prom = join(tempDir(), 'certkit.prom');
    await certkitAsync([
      'check',
      target('good'),
      target('expired'),
      target('silent'),
      '--ca-file',
      rootFile,
      '--timeout',
      '1',
      '--prometheus',
      prom,
    ]);
    const text = readFileSync(prom, 'utf8');
    execFileSync('promtool', ['check', 'metrics'], { input: text });
    expect(text).toMatch(new RegExp(`probe_success\\{target="${target('silent')}",address="127.0.0.1"\\} 0`));
    expect(text).toMatch(
      new RegExp(
        `certkit_finding\\{id="timeout",target="${target('silent')}",address="127.0.0.1",severity="CRITICAL"\\} 1`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `x509_cert_expired\\{target="${target('expired')}",address="127.0.0.1",subject_CN="expired.test"`,
      ),
    );
    expect(text).toMatch(/probe_ssl_earliest_cert_expiry\{/);
  });

  it('served-differs: the endpoint serves another certificate than the one deployed in the store', async () => {
    const store = join(tempDir(), 'store');
    const fresh = issue(
      dir,
      'fresh',
      { certFile: join(dir, 'int.pem'), keyFile: join(dir, 'int.key') },
      { cn: 'good.test', sans: ['127.0.0.1'], key: 'ec256' },
    );
    execFileSync(process.execPath, [
      'bin/certkit.cjs',
      '--store',
      store,
      'import',
      '--cert',
      fresh.certFile,
      '--chain',
      join(dir, 'int.pem'),
      '--key',
      fresh.keyFile,
      '--name',
      'site',
    ]);
    const r = await certkitAsync([
      '--json',
      '--store',
      store,
      'check',
      target('good'),
      '--ca-file',
      rootFile,
    ]);
    const t = JSON.parse(r.stdout).targets[0];
    expect(t.findings.map((f: any) => f.id)).toEqual(['served-differs']);
  });

  it('directories: keys, CSRs and backups are skipped and counted, key mismatch beside a certificate is found', async () => {
    const d = tempDir();
    mkdirSync(join(d, 'sub'));
    copyFileSync(join(dir, 'good.pem'), join(d, 'site.pem'));
    copyFileSync(join(dir, 'expired.key'), join(d, 'site.key')); // the wrong key beside it
    copyFileSync(join(dir, 'good.csr'), join(d, 'sub', 'req.csr'));
    copyFileSync(join(dir, 'good.pem'), join(d, 'sub', 'old.pem.bak'));
    writeFileSync(join(d, 'sub', 'README'), 'notes\n');
    const r = await certkitAsync(['--json', 'check', d, '--ca-file', rootFile]);
    const report = JSON.parse(r.stdout);
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0].findings.map((f: any) => f.id)).toEqual(['key-mismatch']);
    expect(report.skipped).toHaveLength(4);
  });

  it('certkit inspect host:port shows the served chain in the order sent, and flags the wrong order', async () => {
    const r = await certkitAsync(['--json', 'inspect', target('reversed'), '--ca-file', rootFile]);
    expect(r.code, r.stderr).toBe(0);
    const input = JSON.parse(r.stdout).inputs[0];
    expect(input.format).toBe('tls');
    expect(input.certificates.map((c: any) => c.commonName)).toEqual([
      'reversed.test',
      'certkit Test Root',
      'Monitor Test Intermediate',
    ]);
    expect(input.chain.givenOrderWrong).toBe(true);
    expect(input.chain.trusted).toBe(true);
    const dead = await certkitAsync(['inspect', target('rude')]);
    expect(dead.code).toBe(6);
    expect(dead.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad target argument is an UNKNOWN finding (exit 3), the other targets are still checked', async () => {
    const r = await certkitAsync(['--json', 'check', 'not a host!', target('good'), '--ca-file', rootFile]);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.targets.map((t: any) => [t.target, t.status])).toEqual(
      expect.arrayContaining([
        ['not a host!', 'UNKNOWN'],
        [target('good'), 'OK'],
      ]),
    );
    expect(report.targets.find((t: any) => t.target === 'not a host!').findings[0].id).toBe('bad-target');
  });
});
