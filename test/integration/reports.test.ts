/** The HTML report in headless Chromium, the email digest through a real SMTP server, the exporter over HTTP. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { BIN, ROOT, certkitAsync } from '../helpers/cli.js';
import { issue, makeRoot, read, tempDir } from '../helpers/openssl.js';
import { freePort } from '../helpers/apache.js';

let dir: string;
let files: { good: string; expired: string; root: string };

beforeAll(() => {
  dir = tempDir();
  const root = makeRoot(dir);
  const int = issue(dir, 'int', root, { cn: 'Reports Int', ca: true });
  const good = issue(dir, 'good', int, { cn: 'good.test', sans: ['good.test'] });
  const expired = issue(dir, 'expired', int, {
    cn: 'expired.test',
    sans: ['expired.test'],
    notBefore: '20200101000000Z',
    notAfter: '20210101000000Z',
  });
  writeFileSync(join(dir, 'good-full.pem'), read(good.certFile) + read(int.certFile));
  writeFileSync(join(dir, 'expired-full.pem'), read(expired.certFile) + read(int.certFile));
  files = { good: join(dir, 'good-full.pem'), expired: join(dir, 'expired-full.pem'), root: root.certFile };
});

describe('HTML report', () => {
  it('opens in headless Chromium; the findings are read from the rendered page', async () => {
    const html = join(tempDir(), 'report.html');
    const r = await certkitAsync([
      'check',
      files.good,
      files.expired,
      '--ca-file',
      files.root,
      '--html',
      html,
    ]);
    expect(r.code).toBe(2);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${html}`);
      expect(await page.textContent('#overall')).toBe('CRITICAL');
      const rows = await page.$$eval('#targets tbody tr', (trs) =>
        trs.map((tr) => ({
          target: tr.getAttribute('data-target'),
          status: tr.getAttribute('data-status'),
          findings: [...tr.querySelectorAll('[data-finding-id]')].map((li) =>
            li.getAttribute('data-finding-id'),
          ),
        })),
      );
      expect(rows).toEqual([
        { target: files.expired, status: 'CRITICAL', findings: ['expired'] },
        { target: files.good, status: 'OK', findings: [] },
      ]);
      expect(await page.$$eval('#timeline .tl-row', (r) => r.length)).toBe(2);
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'check-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('email digest', () => {
  let server: SMTPServer;
  let port: number;
  const received: string[] = [];
  let authSeen: string | null = null;
  let secureSeen = false;
  let smtpDir: string;

  beforeAll(async () => {
    smtpDir = tempDir();
    const root = makeRoot(smtpDir, 'smtp-root', 'SMTP Test Root');
    const leaf = issue(smtpDir, 'smtp', root, { cn: 'localhost', sans: ['localhost', '127.0.0.1'] });
    port = await freePort();
    server = new SMTPServer({
      key: read(leaf.keyFile),
      cert: read(leaf.certFile),
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, session, cb) {
        secureSeen = session.secure;
        if (auth.username === 'monitor' && auth.password === 's3cret-smtp') {
          authSeen = auth.username;
          cb(null, { user: auth.username });
        } else cb(new Error('bad credentials'));
      },
      onData(stream, _s, cb) {
        let raw = '';
        stream.on('data', (d) => (raw += d));
        stream.on('end', () => {
          received.push(raw);
          cb();
        });
      },
      logger: false,
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('is received over STARTTLS with auth (password from a file), and names the findings', async () => {
    writeFileSync(join(smtpDir, 'smtp-password'), 's3cret-smtp\n');
    const cfg = join(smtpDir, 'config.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        email: {
          host: 'localhost',
          port,
          security: 'starttls',
          user: 'monitor',
          passwordFile: join(smtpDir, 'smtp-password'),
          from: 'certkit@example.test',
          to: ['ops@example.test'],
          caFile: join(smtpDir, 'smtp-root.pem'),
        },
      }),
    );
    const r = await certkitAsync([
      '--config',
      cfg,
      'check',
      files.good,
      files.expired,
      '--ca-file',
      files.root,
      '--email',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(received).toHaveLength(1);
    expect(authSeen).toBe('monitor');
    expect(secureSeen).toBe(true);
    const mail = await simpleParser(received[0]!);
    expect(mail.subject).toMatch(/CRITICAL: 1 of 2 need attention/);
    expect(mail.text).toMatch(/expired: expired \d+ day\(s\) ago/);
    expect(mail.html).toMatch(/data-finding-id="expired"/);
    // nothing at WARNING or worse: no mail unless --email-always
    expect(
      (await certkitAsync(['--config', cfg, 'check', files.good, '--ca-file', files.root, '--email'])).code,
    ).toBe(0);
    expect(received).toHaveLength(1);
    expect(
      (await certkitAsync(['--config', cfg, 'check', files.good, '--ca-file', files.root, '--email-always']))
        .code,
    ).toBe(0);
    expect(received).toHaveLength(2);
  });

  it('QA3: the password is the first line of passwordFile; an IP address as host gives no warning on stderr', async () => {
    const pwFile = join(smtpDir, 'smtp-password-2');
    writeFileSync(pwFile, 's3cret-smtp\n# rotated 2026-11 by ops\n');
    const cfg = join(smtpDir, 'config-ip.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        email: {
          host: '127.0.0.1',
          port,
          user: 'monitor',
          passwordFile: pwFile,
          from: 'certkit@example.test',
          to: ['ops@example.test'],
          caFile: join(smtpDir, 'smtp-root.pem'),
        },
      }),
    );
    const before = received.length;
    authSeen = null;
    const r = await certkitAsync([
      '--config',
      cfg,
      'check',
      files.good,
      '--ca-file',
      files.root,
      '--email-always',
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(authSeen).toBe('monitor');
    expect(received).toHaveLength(before + 1);
  });

  it('refuses an SMTP server whose certificate it cannot verify: one line after the report, exit code of the check', async () => {
    const cfg = join(smtpDir, 'config-untrusted.json');
    writeFileSync(join(smtpDir, 'smtp-password'), 's3cret-smtp\n');
    writeFileSync(
      cfg,
      JSON.stringify({
        email: {
          host: 'localhost',
          port,
          user: 'monitor',
          passwordFile: join(smtpDir, 'smtp-password'),
          from: 'a@example.test',
          to: ['b@example.test'],
        },
      }),
    );
    const r = await certkitAsync(['--config', cfg, 'check', files.expired, '--email']);
    // the check's own result stands (CRITICAL: the expired file); the mail failure is one line after it
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/CRITICAL\s+\S*expired-full\.pem/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/could not be sent/);
  });
});

describe('certkit exporter', () => {
  it('serves the metrics on /metrics', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [BIN, 'exporter', files.good, files.expired, '--ca-file', files.root, '--listen', `127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    try {
      let text = '';
      for (let i = 0; i < 50 && !text; i++) {
        try {
          text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(text).toMatch(
        /x509_cert_expired\{filepath="[^"]*expired-full\.pem",subject_CN="expired\.test".*\} 1/,
      );
      expect(text).toMatch(/certkit_finding\{id="expired"/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
void readFileSync;
