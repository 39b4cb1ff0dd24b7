/**
 * certkit check keeps its contracts whatever a target does: nothing lost (one bad target is a finding, the rest
 * is printed and the metrics file rewritten), the Nagios contract for every ending, bounded input, right answers.
 * Real files, real listeners, a real SMTP peer that never answers, the real exporter over HTTP.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/apache.js';
import { BIN, certkit, certkitAsync } from '../helpers/cli.js';
import { asUnprivileged } from '../helpers/unprivileged.js';
import { banner, nodeTls, plainHttp, smtpStarttls, type Listener } from '../helpers/listeners.js';
import { issue, makePfx, makeRoot, read, tempDir } from '../helpers/openssl.js';

const DAY = 86_400_000;
let dir: string;
let root: { certFile: string; keyFile: string };
let good: { certFile: string; keyFile: string };
let other: { certFile: string; keyFile: string };
let expired: { certFile: string; keyFile: string };

beforeAll(() => {
  dir = tempDir();
  chmodSync(dir, 0o755); // readable by the unprivileged user some tests run as
  root = makeRoot(dir);
  good = issue(dir, 'good', root, { cn: 'good.test', sans: ['good.test', '127.0.0.1'], days: 90 });
  other = issue(dir, 'other', root, { cn: 'other.test', sans: ['other.test'], days: 90 });
  expired = issue(dir, 'expired', root, {
    cn: 'expired.test',
    notBefore: '20200101000000Z',
    notAfter: '20210101000000Z',
  });
});

/** The good certificate and its key as a password-protected PKCS#12 file. */
function pfxOfGood(out: string, password: string): void {
  makePfx(out, good, password);
}

/** The good certificate (and its root) as a store lineage. */
function importInto(store: string, name: string): void {
  const args = ['--cert', good.certFile, '--chain', root.certFile, '--key', good.keyFile, '--name', name];
  execFileSync(process.execPath, [BIN, '--store', store, 'import', ...args]);
}

describe('one bad target never loses the report', () => {
  it('an unreadable directory, a missing file and a bad target are findings; the rest is printed and the metrics file rewritten', () => {
    const d = join(tempDir(), 'certs');
    mkdirSync(join(d, 'locked'), { recursive: true });
    chmodSync(join(d, '..'), 0o755);
    copyFileSync(good.certFile, join(d, 'good.pem'));
    copyFileSync(good.certFile, join(d, 'locked', 'hidden.pem'));
    chmodSync(join(d, 'locked'), 0o000);
    const out = tempDir();
    chmodSync(out, 0o777);
    const prom = join(out, 'certkit.prom');
    writeFileSync(prom, 'stale_metric 1\n');
    chmodSync(prom, 0o666);
    const args = ['check', d, join(dir, 'missing.pem'), 'not a host!', '--ca-file', root.certFile];
    const nagios = asUnprivileged([...args, '--nagios', '--prometheus', prom]);
    expect(nagios.stderr).toBe('');
    expect(nagios.code).toBe(2); // CRITICAL (the missing file) outranks UNKNOWN
    expect(nagios.stdout).toMatch(/^CERTKIT CRITICAL - .*missing\.pem: missing.*\| .*'[^']*good\.pem'=\d+s;/);
    const text = readFileSync(prom, 'utf8');
    expect(text).not.toMatch(/stale_metric/);
    expect(text).toMatch(/x509_cert_not_after\{filepath="[^"]*certs\/good\.pem"/);
    expect(text).toMatch(/certkit_check_error\{target="[^"]*certs\/locked"\} 1/);
    expect(text).toMatch(/certkit_check_error\{target="not a host!"\} 1/);
    execFileSync('promtool', ['check', 'metrics'], { input: text });

    const json = JSON.parse(asUnprivileged(['--json', ...args]).stdout);
    const byTarget = Object.fromEntries(json.targets.map((t: any) => [t.target, t]));
    expect(byTarget[join(d, 'good.pem')].status).toBe('OK');
    expect(byTarget[join(d, 'locked')].findings[0]).toMatchObject({ id: 'unreadable', severity: 'UNKNOWN' });
    expect(byTarget[join(d, 'locked')].findings[0].message).toMatch(/permission denied/);
    expect(byTarget[join(dir, 'missing.pem')].findings[0]).toMatchObject({
      id: 'missing',
      severity: 'CRITICAL',
    });
    expect(byTarget['not a host!'].findings[0]).toMatchObject({ id: 'bad-target', severity: 'UNKNOWN' });
  });

  it('an email digest failure comes after the report and keeps the exit code; a silent SMTP server costs the deadline, not 30 s', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const smtp: Server = createServer((s) => {
      sockets.add(s); // accepts and never says a word
      s.on('error', () => {});
    });
    const port = await freePort();
    await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', r));
    try {
      const cfg = join(tempDir(), 'config.json');
      writeFileSync(
        cfg,
        JSON.stringify({
          email: { host: '127.0.0.1', port, from: 'a@example.test', to: ['b@example.test'] },
        }),
      );
      const started = Date.now();
      const r = await certkitAsync([
        '--config',
        cfg,
        'check',
        good.certFile,
        '--ca-file',
        root.certFile,
        '--email-always',
      ]);
      const elapsed = Date.now() - started;
      expect(r.code).toBe(0); // the check's own result: OK
      expect(r.stdout).toMatch(/^OK\s+\S*good\.pem/m);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^certkit: the email digest could not be sent via 127\.0\.0\.1: .*(timeout|time)/i,
      );
      expect(elapsed).toBeLessThan(20_000); // default deadline 10 s per SMTP step; nodemailer's own default is 30 s
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });
});

describe('the Nagios contract for every ending', () => {
  it('a metrics file that cannot be written: the report is still printed, then the error; OK becomes UNKNOWN', () => {
    const prom = join(tempDir(), 'no-such-dir', 'certkit.prom');
    const r = certkit(['check', good.certFile, '--ca-file', root.certFile, '--nagios', '--prometheus', prom]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^CERTKIT UNKNOWN - cannot write \S+certkit\.prom \(ENOENT\); 1 certificate\(s\) ok \| '[^']*good\.pem'=\d+s;/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^certkit: cannot write .*certkit\.prom/);
  });

  it('usage errors, a bad config value and a missing --ca-file are UNKNOWN (exit 3), with a status line under --nagios', () => {
    const cfg = join(tempDir(), 'config.json');
    writeFileSync(cfg, JSON.stringify({ check: { targets: 'store', warnDays: 'abc' } }));
    const cases: [string[], RegExp][] = [
      [['check', good.certFile, '--frobnicate', '--nagios'], /unknown option '--frobnicate'/],
      [['check', good.certFile, '--warn-days', 'soon', '--nagios'], /--warn-days must be a number/],
      [['--config', cfg, 'check', '--nagios'], new RegExp(`${cfg}: "check\\.(targets|warnDays)" must be`)],
      [['check', good.certFile, '--ca-file', join(dir, 'nope.pem'), '--nagios'], /nope\.pem: no such file/],
      [['check', good.certFile, '--starttls', 'gopher', '--nagios'], /--starttls gopher/],
    ];
    for (const [args, pattern] of cases) {
      const r = certkit(args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stdout, args.join(' ')).toMatch(/^CERTKIT UNKNOWN - /);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('WARNING days below CRITICAL days are refused: one line, exit 3, naming where each came from (QA run)', () => {
    const cfg = join(tempDir(), 'config.json');
    writeFileSync(cfg, JSON.stringify({ check: { warnDays: 3 } }));
    const cases: [string[], string][] = [
      [['--warn-days', '5', '--crit-days', '10'], '--warn-days 5 is less than --crit-days 10'],
      [['--warn-days', '5'], '--warn-days 5 is less than --crit-days 7 (the default)'],
      [['--config', cfg], '"check.warnDays": 3 in the config file is less than --crit-days 7 (the default)'],
    ];
    for (const [extra, said] of cases) {
      for (const nagios of [[], ['--nagios']]) {
        const args =
          extra[0] === '--config' ? [...extra, 'check', good.certFile] : ['check', good.certFile, ...extra];
        const r = certkit([...args, ...nagios]);
        expect(r.code, args.join(' ')).toBe(3);
        const lines = r.stderr.trim().split('\n');
        expect(lines, args.join(' ')).toHaveLength(1);
        expect(lines[0]).toBe(
          `certkit: ${said}: a certificate would turn CRITICAL before WARNING (give at least as many warning days as critical days)`,
        );
        if (nagios.length)
          expect(r.stdout).toMatch(/^CERTKIT UNKNOWN - --warn-days|^CERTKIT UNKNOWN - "check/);
      }
    }
    // equal days are a check without a warning stage; the other way round is the usual one
    for (const extra of [
      ['--warn-days', '10', '--crit-days', '10'],
      ['--warn-days', '10', '--crit-days', '5'],
    ]) {
      const r = certkit(['check', good.certFile, '--ca-file', root.certFile, ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it("`check | head` ends quietly: no EPIPE stack trace, the exit code is the check's", () => {
    const d = tempDir();
    for (let i = 0; i < 1500; i++)
      copyFileSync(good.certFile, join(d, `site-${String(i).padStart(4, '0')}.pem`));
    const out = tempDir();
    execFileSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" check "${d}" --ca-file "${root.certFile}" 2>"${out}/err"; echo $? >"${out}/rc"`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    // the same through a pipe that closes after one line
    execFileSync(
      'bash',
      [
        '-c',
        `{ "${process.execPath}" "${BIN}" check "${d}" --ca-file "${root.certFile}" 2>"${out}/err2"; echo $? >"${out}/rc2"; } | head -1 >/dev/null`,
      ],
      { env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(readFileSync(join(out, 'rc'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(out, 'err2'), 'utf8')).toBe('');
    expect(readFileSync(join(out, 'rc2'), 'utf8').trim()).toBe('0');
  });
});

describe('bounded input', () => {
  it('inspect and check refuse a device at once and name it', () => {
    const i = certkit(['inspect', '/dev/zero'], { timeoutMs: 20_000 });
    expect(i.code).toBe(2);
    expect(i.stderr.trim()).toMatch(/^certkit: \/dev\/zero: is a device, not a file/);
    const c = certkit(['--json', 'check', '/dev/zero'], { timeoutMs: 20_000 });
    expect(c.code).toBe(3);
    expect(JSON.parse(c.stdout).targets[0].findings[0].message).toMatch(/is a device, not a file/);
  });

  it('a directory holding a FIFO does not hang: the FIFO is skipped with its reason', () => {
    const d = tempDir();
    copyFileSync(good.certFile, join(d, 'good.pem'));
    execFileSync('mkfifo', [join(d, 'pipe.pem')]);
    const c = certkit(['--json', 'check', d, '--ca-file', root.certFile], { timeoutMs: 20_000 });
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).skipped).toEqual([
      { path: join(d, 'pipe.pem'), reason: 'a named pipe (FIFO), not a file' },
    ]);
    const i = certkit(['--json', 'inspect', d], { timeoutMs: 20_000 });
    expect(i.code).toBe(0);
    expect(JSON.parse(i.stdout).skipped[0].reason).toMatch(/named pipe/);
    const direct = certkit(['inspect', join(d, 'pipe.pem')], { timeoutMs: 20_000 });
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(/is a named pipe \(FIFO\), not a file/);
  });

  it('a file over the size cap and a bundle over the certificate cap are refused with a clear message', () => {
    const d = tempDir();
    const big = join(d, 'big.pem');
    writeFileSync(big, read(good.certFile));
    execFileSync('truncate', ['-s', '50M', big]);
    const b = certkit(['inspect', big]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toMatch(/big\.pem: larger than 4 MiB/);
    const bundle = join(d, 'bundle.pem');
    writeFileSync(bundle, read(good.certFile).repeat(1001));
    const u = certkit(['inspect', bundle]);
    expect(u.code).toBe(2);
    expect(u.stderr.trim()).toMatch(/bundle\.pem: holds 1001 certificates; certkit reads at most 1000/);
  });
});

describe('right answers', () => {
  it('a privkey.pem is not paired with every certificate in the directory (no false key-mismatch)', () => {
    const d = tempDir();
    copyFileSync(good.certFile, join(d, 'good.pem'));
    copyFileSync(other.certFile, join(d, 'other.pem'));
    copyFileSync(expired.keyFile, join(d, 'privkey.pem')); // belongs to neither
    const r = JSON.parse(certkit(['--json', 'check', d, '--ca-file', root.certFile]).stdout);
    expect(r.targets.map((t: any) => t.findings.map((f: any) => f.id))).toEqual([[], []]);
    // certbot's layout still pairs cert.pem with privkey.pem
    const cb = tempDir();
    copyFileSync(good.certFile, join(cb, 'cert.pem'));
    copyFileSync(expired.keyFile, join(cb, 'privkey.pem'));
    const m = JSON.parse(certkit(['--json', 'check', cb, '--ca-file', root.certFile]).stdout);
    expect(m.targets[0].findings.map((f: any) => f.id)).toEqual(['key-mismatch']);
  });

  it('a password-protected .pfx in a directory is reported, not skipped silently', () => {
    const d = tempDir();
    pfxOfGood(join(d, 'site.pfx'), 'secret');
    const r = certkit(['--json', 'check', d]);
    expect(r.code).toBe(3);
    const t = JSON.parse(r.stdout).targets[0];
    expect(t.target).toBe(join(d, 'site.pfx'));
    expect(t.findings[0]).toMatchObject({ id: 'unreadable', severity: 'UNKNOWN' });
    expect(t.findings[0].message).toMatch(/site\.pfx: the PKCS#12 file is password-protected/);
  });

  it('a truncated PEM is one line naming the file and the line (exit 2 in inspect, UNKNOWN in check)', () => {
    const d = tempDir();
    const f = join(d, 'chain.pem');
    writeFileSync(f, read(good.certFile) + '\n' + read(root.certFile).slice(0, 200));
    const i = certkit(['inspect', f]);
    expect(i.code).toBe(2);
    expect(i.stderr.trim()).toMatch(
      new RegExp(`^certkit: ${f}: truncated PEM: "BEGIN CERTIFICATE" at line \\d+ has no matching END line`),
    );
    const c = JSON.parse(certkit(['--json', 'check', f]).stdout);
    expect(c.targets[0].findings[0].message).toMatch(/chain\.pem: truncated PEM: .* at line \d+/);
  });

  it('a corrupt key in the store names the file', () => {
    const store = join(tempDir(), 'store');
    importInto(store, 'site');
    writeFileSync(
      join(store, 'live', 'site', 'privkey.pem'),
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    );
    const r = certkit(['--json', '--store', store, 'check', 'store', '--ca-file', root.certFile]);
    const t = JSON.parse(r.stdout).targets[0];
    expect(t.findings[0].message).toMatch(
      new RegExp(`^${store}/live/site/privkey\\.pem: damaged private key`),
    );
    expect(r.code).toBe(3);
  });

  it('check store: a lineage whose settings are missing or corrupt is said (it would never renew), its certificate still checked', () => {
    const store = join(tempDir(), 'store');
    for (const name of ['corrupt', 'gone', 'fine']) importInto(store, name);
    writeFileSync(join(store, 'lineages', 'corrupt', 'settings.json'), '{"source": \n');
    execFileSync('rm', [join(store, 'lineages', 'gone', 'settings.json')]);
    const r = certkit(['--json', '--store', store, 'check', 'store', '--ca-file', root.certFile]);
    expect(r.code).toBe(1);
    const t = Object.fromEntries(JSON.parse(r.stdout).targets.map((x: any) => [x.target, x]));
    expect(t['store:fine'].findings).toEqual([]);
    for (const name of ['corrupt', 'gone']) {
      expect(t[`store:${name}`].daysLeft).toBeGreaterThan(80);
      expect(t[`store:${name}`].findings.map((f: any) => [f.id, f.severity])).toEqual([
        ['settings-broken', 'WARNING'],
      ]);
      expect(t[`store:${name}`].findings[0].message).toContain(
        join(store, 'lineages', name, 'settings.json'),
      );
      expect(t[`store:${name}`].findings[0].message).not.toMatch(/\n/);
    }
  });

  it('with CERTKIT_NOW set, table, JSON, finding, Nagios perfdata and HTML agree on the days left', () => {
    const notAfter = new Date(
      execFileSync('openssl', ['x509', '-in', good.certFile, '-noout', '-enddate'])
        .toString()
        .split('=')[1]!
        .trim(),
    );
    const now = new Date(notAfter.getTime() - 20.6 * DAY).toISOString();
    const env = { CERTKIT_NOW: now };
    const html = join(tempDir(), 'r.html');
    const json = JSON.parse(
      certkit(['--json', 'check', good.certFile, '--ca-file', root.certFile, '--html', html], { env }).stdout,
    );
    const t = json.targets[0];
    expect(t.daysLeft).toBe(20);
    expect(t.certificates[0].daysLeft).toBe(20);
    expect(t.findings[0].message).toMatch(/^expires in 20 day\(s\)/);
    expect(json.generatedAt).toBe(now);
    const table = certkit(['check', good.certFile, '--ca-file', root.certFile], { env }).stdout;
    expect(table).toMatch(/^WARNING\s+\S+good\.pem\s+20\s/m);
    expect(table).toMatch(/expires in 20 day\(s\)/);
    const nagios = certkit(['check', good.certFile, '--ca-file', root.certFile, '--nagios'], { env }).stdout;
    const seconds = Number(/'[^']+'=(\d+)s;/.exec(nagios)![1]);
    expect(Math.floor(seconds / 86_400)).toBe(20);
    expect(seconds).toBe(Math.floor((notAfter.getTime() - Date.parse(now)) / 1000));
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/data-days="20"/);
    expect(page).toMatch(/<td>20<\/td>/);
  });
});

describe('STARTTLS per target', () => {
  it('a server that accepts but never greets: the timeout says the STARTTLS exchange, not "no connection" (QA)', async () => {
    const silent = createServer(() => {}); // accepts, says nothing
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    try {
      const r = await certkitAsync(['inspect', `127.0.0.1:${port}`, '--starttls', 'smtp', '--timeout', '2']);
      expect(r.code).toBe(6);
      expect(r.stderr.trim()).toBe(
        `certkit: smtp://127.0.0.1:${port}: connected, but no smtp STARTTLS exchange within 2 s (a greeting never came?)`,
      );
    } finally {
      silent.close();
    }
  });

  const ls: Listener[] = [];
  afterAll(async () => {
    for (const l of ls) await l.close();
  });
  it('an HTTPS target beside an SMTP one: smtp://host:port implies STARTTLS, https:// never gets it', async () => {
    const full = read(good.certFile);
    const web = await nodeTls(full, read(good.keyFile));
    const mail = await smtpStarttls(full, read(good.keyFile));
    ls.push(web, mail);
    const viaScheme = await certkitAsync([
      '--json',
      'check',
      `127.0.0.1:${web.port}`,
      `smtp://127.0.0.1:${mail.port}`,
      '--ca-file',
      root.certFile,
      '--timeout',
      '3',
    ]);
    expect(
      JSON.parse(viaScheme.stdout).targets.map((t: any) => [t.status, t.findings.map((f: any) => f.id)]),
    ).toEqual([
      ['OK', []],
      ['OK', []],
    ]);
    expect(viaScheme.code).toBe(0);
    const viaFlag = await certkitAsync([
      '--json',
      'check',
      `https://127.0.0.1:${web.port}`,
      `127.0.0.1:${mail.port}`,
      '--starttls',
      'smtp',
      '--ca-file',
      root.certFile,
      '--timeout',
      '3',
    ]);
    expect(viaFlag.code, viaFlag.stdout).toBe(0);
  });
});

describe('the exporter never dies', () => {
  it('a target rotated away becomes certkit_check_error and a log line; unknown paths are 404; it keeps serving', async () => {
    const d = tempDir();
    const f = join(d, 'site.pem');
    copyFileSync(good.certFile, f);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [BIN, 'exporter', f, '--ca-file', root.certFile, '--listen', `127.0.0.1:${port}`, '--interval', '0'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const get = async (path: string) => {
      for (let i = 0; i < 100; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${path}`);
          return { status: res.status, text: await res.text() };
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error(`exporter not answering; stderr: ${stderr}`);
    };
    try {
      expect((await get('/metrics')).text).toMatch(/certkit_check_error\{target="[^"]*site\.pem"\} 0/);
      expect((await get('/nope')).status).toBe(404);
      execFileSync('rm', [f]);
      const after = await get('/metrics');
      expect(after.status).toBe(200);
      expect(after.text).toMatch(/certkit_check_error\{target="[^"]*site\.pem"\} 1/);
      expect(after.text).toMatch(/certkit_finding\{id="missing"/);
      expect((await get('/metrics')).status).toBe(200); // still alive
      expect(child.exitCode).toBe(null);
      expect(stderr).toMatch(/site\.pem: .*no such file/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('targets are validated at start-up: a bad one refuses to start, one line, exit 2', () => {
    const r = certkit(['exporter', 'not a host!', '--listen', '127.0.0.1:1'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a host!/);
  });

  it('an address already taken: one line naming it, exit 8 (the environment), as README says', async () => {
    const held = createServer();
    const port = await freePort();
    await new Promise<void>((r) => held.listen(port, '127.0.0.1', r));
    try {
      const r = await certkitAsync(['exporter', good.certFile, '--listen', `127.0.0.1:${port}`], {
        timeoutMs: 20_000,
      });
      expect(r.code).toBe(8);
      expect(r.stderr.trim()).toBe(`certkit: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      held.close();
    }
  });
});

describe('QA bugs', () => {
  it('check FILE --name with an IDN matches the punycode name the certificate carries (as verify does)', () => {
    const idn = issue(dir, 'idn', root, {
      cn: 'xn--bcher-kva.example',
      sans: ['xn--bcher-kva.example'],
      days: 90,
    });
    const ok = certkit([
      'check',
      idn.certFile,
      '--ca-file',
      root.certFile,
      '--name',
      'bücher.example',
      '--nagios',
    ]);
    expect(ok.stdout, ok.stderr).toMatch(/^CERTKIT OK/);
    expect(ok.code).toBe(0);
    const wrong = certkit([
      'check',
      idn.certFile,
      '--ca-file',
      root.certFile,
      '--name',
      'bäcker.example',
      '--nagios',
    ]);
    expect(wrong.code).toBe(2);
  });

  it('QA: check --prometheus /nonexistent/dir/m.prom gives the documented result: UNKNOWN for an OK run, said first', () => {
    const prom = `/nonexistent-${process.pid}/dir/m.prom`;
    const ok = certkit([
      'check',
      good.certFile,
      '--ca-file',
      root.certFile,
      '--nagios',
      '--prometheus',
      prom,
    ]);
    expect(ok.code).toBe(3);
    expect(ok.stdout).toMatch(new RegExp(`^CERTKIT UNKNOWN - cannot write ${prom} \\(ENOENT\\); `));
    expect(ok.stderr.trim()).toBe(`certkit: cannot write ${prom} (ENOENT)`);
    // a worse run keeps its status (worst wins), the unwritable file still said first
    const crit = certkit([
      'check',
      expired.certFile,
      '--ca-file',
      root.certFile,
      '--nagios',
      '--prometheus',
      prom,
    ]);
    expect(crit.code).toBe(2);
    expect(crit.stdout).toMatch(new RegExp(`^CERTKIT CRITICAL - cannot write ${prom} \\(ENOENT\\); `));
    expect(certkit(['check', '--help']).stdout.replace(/\s+/g, ' ')).toContain(
      'A --prometheus/--html file that cannot be written makes an OK run UNKNOWN',
    );
  });

  it('QA: check honours --password-file and CERTKIT_PASSWORD for a password-protected .pfx, never showing the password', () => {
    const d = tempDir();
    const password = 'pfx-Secret-4711';
    const pfx = join(d, 'site.pfx');
    pfxOfGood(pfx, password);
    const pwFile = join(d, 'pw.txt');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    const base = ['check', pfx, '--ca-file', root.certFile];

    const without = certkit(base);
    expect(without.code).toBe(3);
    expect(without.stdout).toMatch(/password-protected \(give the password with --password-file/);
    const viaFile = certkit([...base, '--password-file', pwFile]);
    expect([viaFile.code, viaFile.stdout]).toEqual([0, expect.stringMatching(/^OK +\S*site\.pfx +\d+ /m)]);
    const viaEnv = certkit(base, { env: { CERTKIT_PASSWORD: password } });
    expect(viaEnv.code).toBe(0);
    const wrong = certkit(base, { env: { CERTKIT_PASSWORD: 'not-it' } });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toMatch(/password is wrong/);
    expect(wrong.stdout + wrong.stderr).not.toContain('not-it');
    for (const r of [without, viaFile, viaEnv]) expect(r.stdout + r.stderr).not.toContain(password);
    const missing = certkit([...base, '--password-file', join(d, 'nope.txt'), '--nagios']);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('QA3: with a password given, a PKCS#12 file exported without one is still read (a directory holds both)', () => {
    const d = tempDir();
    const password = 'pfx-Secret-0815';
    pfxOfGood(join(d, 'locked.pfx'), password);
    pfxOfGood(join(d, 'open.p12'), ''); // openssl pkcs12 -export -passout pass: (Windows "no password" export)
    const r = certkit(['--json', 'check', d, '--ca-file', root.certFile], {
      env: { CERTKIT_PASSWORD: password },
    });
    const report = JSON.parse(r.stdout) as { targets: { target: string; status: string }[] };
    expect(report.targets.map((t) => [t.target.replace(/^.*\//, ''), t.status])).toEqual([
      ['locked.pfx', 'OK'],
      ['open.p12', 'OK'],
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(password);
  });

  it('QA: check <store>/live follows its links to version directories, each real directory once (loops end)', () => {
    const store = join(tempDir(), 'store');
    importInto(store, 'alpha');
    importInto(store, 'beta');
    symlinkSync('..', join(store, 'live', 'up')); // a loop back to the store: every directory is still read once
    const r = certkit(['--json', 'check', join(store, 'live'), '--ca-file', root.certFile]);
    const report = JSON.parse(r.stdout) as {
      status: string;
      targets: { target: string; status: string }[];
      skipped: { path: string; reason: string }[];
    };
    const targets = report.targets.map((t) => t.target);
    expect(targets).toContain(join(store, 'live', 'alpha', 'cert.pem'));
    expect(targets).toContain(join(store, 'live', 'beta', 'fullchain.pem'));
    expect(targets.filter((t) => t.includes('/up/'))).toEqual([]);
    expect(new Set(report.targets.map((t) => t.target.replace(/^.*\/(alpha|beta)\//, '$1/'))).size).toBe(
      targets.length,
    );
    expect(report.skipped.some((s) => /already checked/.test(s.reason))).toBe(true);
    expect(report.status).toBe('OK');
    expect(r.code).toBe(0);
  });

  it('QA: an empty chain.pem in a checked directory (a self-signed lineage) is skipped, not UNKNOWN', () => {
    const store = join(tempDir(), 'store');
    expect(certkit(['--store', store, 'selfsigned', '-d', 'self.test']).code).toBe(0);
    const r = certkit(['--json', 'check', join(store, 'live'), '--allow-self-signed', '*']);
    const report = JSON.parse(r.stdout) as { status: string; targets: { target: string }[] };
    expect(report.targets.map((t) => t.target)).toContain(join(store, 'live', 'self.test', 'cert.pem'));
    expect(report.status).toBe('OK');
  });

  it('QA: a plain-HTTP (or other non-TLS) server on the port is said in words, not as an OpenSSL string', async () => {
    const http = await plainHttp();
    const ssh = await banner('SSH-2.0-OpenSSH_9.2p1 Debian-2');
    try {
      const r = await certkitAsync([
        'check',
        `127.0.0.1:${http.port}`,
        `127.0.0.1:${ssh.port}`,
        '--timeout',
        '5',
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(
        `the server answered in plaintext (HTTP?), not TLS — is this the right port?`,
      );
      expect(r.stdout).toContain('the server answered in plaintext (SSH?), not TLS');
      expect(r.stdout).not.toMatch(/ssl3_|openssl|ERR_SSL/i);
    } finally {
      await http.close();
      await ssh.close();
    }
  });

  it('QA: check --timeout 0, negative, NaN or absurdly large is refused with one line, exit 3', () => {
    for (const t of ['0', '-1', 'NaN', '1e9']) {
      const r = certkit(['check', good.certFile, '--timeout', t, '--nagios']);
      expect(r.code, t).toBe(3);
      expect(r.stderr.trim().split('\n'), t).toHaveLength(1);
      expect(r.stderr, t).toMatch(/^certkit: --timeout must be more than 0/);
    }
    const cfg = join(tempDir(), 'config.json');
    writeFileSync(cfg, JSON.stringify({ check: { timeout: 0 } }));
    const r = certkit(['--config', cfg, 'check', good.certFile]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/timeout/);
  });
});

describe('internationalised host names (QA round 3)', () => {
  it('check bücher.test:PORT looks the name up, sends SNI and matches it as xn--bcher-kva.test; the label stays as written', async () => {
    const idn = issue(dir, 'idn', root, { cn: 'xn--bcher-kva.test', sans: ['xn--bcher-kva.test'], days: 90 });
    const port = await freePort();
    const names: (string | false)[] = [];
    const server = createTlsServer({ cert: read(idn.certFile), key: read(idn.keyFile) }, (s) => s.end());
    server.on('secureConnection', (s) => names.push(s.servername));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const r = await certkitAsync([
        '--json',
        'check',
        `bücher.test:${port}`,
        '--ip',
        '127.0.0.1',
        '--ca-file',
        root.certFile,
        '--no-revocation',
      ]);
      const report = JSON.parse(r.stdout) as { targets: { target: string; status: string }[] };
      expect(report.targets.map((t) => [t.target, t.status])).toEqual([[`bücher.test:${port}`, 'OK']]);
      expect(r.code).toBe(0);
      expect(names).toEqual(['xn--bcher-kva.test']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
