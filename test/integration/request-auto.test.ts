/**
 * The bare `certkit request NAME` (issue 17) against a real Pebble and a private Apache on loopback: Pebble
 * validates http-01 on the Apache's own port, so the automatic choice meets the same facts as on a server.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { BIN, certkitAsync } from '../helpers/cli.js';
import { snapshot } from '../helpers/fs.js';
import { selfSignedLeaf, tempDir } from '../helpers/openssl.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { httpHead, servedFingerprint } from '../../src/deploy/probe.js';
import { defaultServerInDump, defaultVhost } from '../../src/acme/auto/apache-site.js';
import { loadApacheConfig, vhostLocation } from '../../src/deploy/apache/config.js';
import { makeCtl } from '../../src/deploy/apache/ctl.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'apache');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** file contents and symlink targets, plus every entry's mode */
function tree(dir: string): Record<string, string> {
  const out = snapshot(dir);
  const walk = (p: string) => {
    const st = lstatSync(p);
    out[`${p} (mode)`] = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
  return out;
}

const editFile = (file: string, change: (text: string) => string) =>
  writeFileSync(file, change(readFileSync(file, 'utf8')));

interface Setup {
  pebble: Pebble;
  apache: ApacheInstance;
  tlsPort: number;
  store: string;
  env: NodeJS.ProcessEnv;
  challengeBase: string;
}

async function setup(
  name: string,
  opts: {
    appRewrite?: boolean;
    caLooksElsewhere?: boolean;
    rhel?: boolean;
    denyWellKnown?: boolean;
    /** more sites on the same Apache (same kind) */
    more?: string[];
    /** the site already has HTTPS (a self-signed certificate) and sends every HTTP request there */
    alreadyHttps?: boolean;
    /** no site for the name: the only site is a copy of Debian's stock 000-default (no ServerName) */
    stockDefaultOnly?: boolean;
  } = {},
): Promise<Setup> {
  const httpPort = await freePort();
  const tlsPort = await freePort();
  // caLooksElsewhere: Pebble validates on another port than Apache's, so every validation fails
  const pebble = await startPebble(opts.caLooksElsewhere ? {} : { ports: { http: httpPort } });
  cleanups.push(() => pebble.stop());
  const dir = tempDir('certkit-auto-');
  chmodSync(dir, 0o755);
  const apache = createApache({
    dir: join(dir, 'apache'),
    layout: opts.rhel ? 'rhel' : 'debian',
    httpPort,
    tlsPort,
    sites: opts.stockDefaultOnly ? [] : [name, ...(opts.more ?? [])].map((n) => ({ name: n })),
  });
  if (opts.stockDefaultOnly) {
    const html = join(dir, 'html');
    mkdirSync(html, { mode: 0o755 });
    writeFileSync(join(html, 'index.html'), '<h1>It works!</h1>\n');
    const stock = readFileSync(join(FIXTURES, 'debian-000-default.conf'), 'utf8');
    expect(stock).toMatch(/^<VirtualHost \*:80>$/m);
    writeFileSync(
      join(apache.serverRoot, 'sites-available', '000-default.conf'),
      stock.replace('<VirtualHost *:80>', `<VirtualHost *:${httpPort}>`).replace('/var/www/html', html),
    );
    // apache2.conf's `<Directory /var/www/>` grant, moved to where this private DocumentRoot lives
    editFile(join(apache.serverRoot, 'apache2.conf'), (t) =>
      t.replace('<Directory /var/www/>', `<Directory ${dir}/>`),
    );
    symlinkSync(
      '../sites-available/000-default.conf',
      join(apache.serverRoot, 'sites-enabled', '000-default.conf'),
    );
  }
  if (opts.denyWellKnown) {
    // the site refuses everything under /.well-known/ in its DocumentRoot (a filesystem rule)
    const docroot = apache.sites[0]!.docroot;
    editFile(join(apache.serverRoot, 'conf.d', `${name}.conf`), (t) =>
      t.replace(
        '</VirtualHost>',
        `    <Directory ${docroot}/.well-known>\n        Require all denied\n    </Directory>\n</VirtualHost>`,
      ),
    );
  }
  if (opts.appRewrite) {
    // an app that routes every path through its front page (mod_rewrite in the DocumentRoot's <Directory>)
    for (const n of [name, ...(opts.more ?? [])]) {
      editFile(join(apache.serverRoot, 'sites-available', `${n}.conf`), (t) =>
        t.replace(
          '        Require all granted\n',
          '        Require all granted\n        RewriteEngine on\n        RewriteRule ^ index.html [END]\n',
        ),
      );
    }
    symlinkSync('../mods-available/rewrite.load', join(apache.serverRoot, 'mods-enabled', 'rewrite.load'));
  }
  if (opts.alreadyHttps) {
    const { certFile: cert, keyFile: key } = selfSignedLeaf(dir, 'self-signed', name, 2);
    for (const m of ['ssl.load', 'ssl.conf', 'socache_shmcb.load'])
      symlinkSync(`../mods-available/${m}`, join(apache.serverRoot, 'mods-enabled', m));
    const docroot = apache.sites[0]!.docroot;
    editFile(
      join(apache.serverRoot, 'sites-available', `${name}.conf`),
      (t) =>
        t.replace('</VirtualHost>', `    Redirect permanent / https://${name}:${tlsPort}/\n</VirtualHost>`) +
        [
          `<VirtualHost 127.0.0.1:${tlsPort}>`,
          `    ServerName ${name}`,
          `    DocumentRoot ${docroot}`,
          `    <Directory ${docroot}>`,
          '        Require all granted',
          '    </Directory>',
          '    SSLEngine on',
          `    SSLCertificateFile ${cert}`,
          `    SSLCertificateKeyFile ${key}`,
          '</VirtualHost>',
          '',
        ].join('\n'),
    );
  }
  apache.start();
  cleanups.push(() => apache.stop());
  const challengeBase = join(dir, 'challenges');
  const scheduleRoot = join(dir, 'root');
  const env = {
    ...pebble.env,
    CERTKIT_CHALLENGE_DIR: challengeBase,
    CERTKIT_SCHEDULE_ROOT: scheduleRoot,
  };
  return { pebble, apache, tlsPort, store: join(dir, 'store'), env, challengeBase };
}

const bare = (
  s: Setup,
  name: string,
  extra: string[] = [],
  contact: string[] = ['--email', 'ops@example.test'],
) => [
  '--store',
  s.store,
  'request',
  name,
  '--server',
  s.pebble.directoryUrl,
  '--server-root',
  s.apache.serverRoot,
  ...(s.apache.layout === 'rhel' ? ['--ctl', s.apache.ctl] : []),
  '--agree-tos',
  ...contact,
  ...extra,
];

function liveFingerprint(store: string, name: string): string {
  return new X509Certificate(readFileSync(join(store, 'live', name, 'cert.pem'))).fingerprint256;
}

/** Apart from the files the install reports changed, the tree is byte- and mode-identical. */
function expectOnlyInstallEdits(
  before: Record<string, string>,
  after: Record<string, string>,
  changed: string[],
) {
  const touched = (k: string) =>
    changed.some((c) => k === c || k.startsWith(`${c} `) || k.startsWith(`${c}/`));
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (touched(k)) continue;
    // a new file's parent directory (created by the install) is part of its edit
    if (!(k in before) && changed.some((c) => c.startsWith(k.replace(/ \(mode\)$/, '') + '/'))) continue;
    expect(after[k], k).toBe(before[k]);
  }
  expect(Object.keys(after).filter((k) => k.includes('certkit-acme-challenge'))).toEqual([]);
}

async function expectHttpsLive(s: Setup, name: string) {
  expect(await servedFingerprint('127.0.0.1', s.tlsPort, name)).toBe(liveFingerprint(s.store, name));
  const r = await httpHead('127.0.0.1', s.apache.httpPort, name, '/a%20b');
  expect(r.status).toBe(301);
  expect(r.location).toBe(`https://${name}:${s.tlsPort}/a%20b`);
}

/** `renew --force` replays the recorded install: the new certificate is served, the tree unchanged. */
async function expectRenewReplays(s: Setup, name: string, firstFingerprint: string) {
  const afterInstall = tree(s.apache.serverRoot);
  const renew = await certkitAsync(['--store', s.store, 'renew', '--force', '--no-jitter', '--json'], {
    env: s.env,
    timeoutMs: 90_000,
  });
  expect(renew.code, renew.stderr).toBe(0);
  expect(JSON.parse(renew.stdout).lineages[0]).toMatchObject({ name, status: 'renewed', version: 2 });
  await expectHttpsLive(s, name);
  expect(liveFingerprint(s.store, name)).not.toBe(firstFingerprint);
  expect(tree(s.apache.serverRoot)).toEqual(afterInstall);
}

describe('bare certkit request on a server with Apache', () => {
  it('HTTP-only site: answers through the DocumentRoot, installs with the redirect, schedules renewal; renew --force replays it', async () => {
    const name = 'www.docroot.test';
    const s = await setup(name);
    const before = tree(s.apache.serverRoot);
    const r = await certkitAsync(['--json', ...bare(s, name)], { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.decisions.join('\n')).toMatch(
      new RegExp(
        `Apache serves ${name} on port ${s.apache.httpPort} \\(.*${name}\\.conf\\): answering http-01 through it`,
      ),
    );
    expect(r.stderr).toMatch(/from its DocumentRoot .*: the challenge file goes there/);
    expect(out.decisions.join('\n')).toMatch(
      new RegExp(`installing into the Apache site .*TLS on port ${s.tlsPort}`),
    );
    expect(out.challenge).toMatchObject({
      type: 'apache',
      serverRoot: s.apache.serverRoot,
      port: s.apache.httpPort,
    });
    await expectHttpsLive(s, name);
    const changed: string[] = out.installs[0].result.changed;
    expect(changed.length).toBeGreaterThan(0);
    expectOnlyInstallEdits(before, tree(s.apache.serverRoot), changed);
    expect(existsSync(join(s.apache.sites[0]!.docroot, '.well-known'))).toBe(false);
    // recorded for renewals like --install apache; renewal scheduled in the (test) root
    const settings = JSON.parse(readFileSync(join(s.store, 'lineages', name, 'settings.json'), 'utf8'));
    expect(settings.installers.map((i: { kind: string }) => i.kind)).toEqual(['apache']);
    expect(out.renewal).toMatchObject({ installed: true });
    expect(existsSync(out.renewal.file)).toBe(true);
    expect(out.check).toBe(`certkit check ${name}:${s.tlsPort}`);

    await expectRenewReplays(s, name, out.installs[0].result.fingerprint);
  }, 180_000);

  it("QA: a fresh Debian server whose only site is the stock 000-default (no ServerName): Apache's default site answers and gets the certificate; renew --force replays it", async () => {
    const name = 'x.example.com';
    const s = await setup(name, { stockDefaultOnly: true });
    const before = tree(s.apache.serverRoot);
    // the QA command, plus where this private Apache is; the CA validates on its port instead of 80
    const args = bare(s, name, ['--http-port', String(s.apache.httpPort)], ['--no-email']);
    const r = await certkitAsync(['--json', ...args], { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const decisions = out.decisions.join('\n');
    expect(decisions).toMatch(
      new RegExp(
        `no Apache site names ${name}, so Apache's default site on port ${s.apache.httpPort} serves it \\(.*the first vhost for \\*:${s.apache.httpPort}, \\S*sites-enabled/000-default\\.conf:1, which has no ServerName\\): answering http-01 through it`,
      ),
    );
    expect(decisions).toMatch(
      /installing into Apache's default site \S*000-default\.conf:1: its HTTPS twin gets the names x\.example\.com/,
    );
    expect(r.stderr).toMatch(
      /x\.example\.com: Apache serves \/\.well-known\/acme-challenge\/ from its DocumentRoot .*html/,
    );
    await expectHttpsLive(s, name);
    // the default site still answers every other name over plain HTTP: only the certificate's name is redirected
    expect((await httpHead('127.0.0.1', s.apache.httpPort, 'unrelated.example.org', '/')).status).toBe(200);
    expect((await httpHead('127.0.0.1', s.apache.httpPort, '127.0.0.1', '/')).status).toBe(200);
    const changed: string[] = out.installs[0].result.changed;
    expectOnlyInstallEdits(before, tree(s.apache.serverRoot), changed);
    const stock = readFileSync(join(s.apache.serverRoot, 'sites-available', '000-default.conf'), 'utf8');
    expect(stock).not.toMatch(/^\s*ServerName/m); // the default HTTP vhost stays nameless
    const settings = JSON.parse(readFileSync(join(s.store, 'lineages', name, 'settings.json'), 'utf8'));
    expect(settings.installers[0]).toMatchObject({ kind: 'apache' });

    await expectRenewReplays(s, name, out.installs[0].result.fingerprint);
  }, 180_000);

  it('the default site certkit picks is the one `apache2 -S` calls the default server of the address', async () => {
    const httpPort = await freePort();
    const dir = tempDir('certkit-default-');
    const apache = createApache({
      dir: join(dir, 'apache'),
      httpPort,
      sites: [{ name: 'named.example.test' }],
    });
    // 000- sorts before the named site: it is listed first for *:PORT
    writeFileSync(
      join(apache.serverRoot, 'sites-enabled', '000-default.conf'),
      readFileSync(join(FIXTURES, 'debian-000-default.conf'), 'utf8').replace('*:80', `*:${httpPort}`),
    );
    editFile(join(apache.serverRoot, 'sites-available', 'named.example.test.conf'), (t) =>
      t.replace(/<VirtualHost [^>]+>/, `<VirtualHost *:${httpPort}>`),
    );
    const cfg = loadApacheConfig(apache.serverRoot);
    const chosen = defaultVhost(cfg, httpPort);
    expect(chosen.vhost, chosen.why).not.toBeNull();
    const dump = await makeCtl(cfg).run('-S');
    expect(dump.output).toMatch(/is a NameVirtualHost\n\s+default server /);
    expect(defaultServerInDump(dump.output, '*', httpPort), dump.output).toBe(vhostLocation(chosen.vhost!));
  });

  it('text output: the decisions, then one closing summary', async () => {
    const name = 'www.summary.test';
    const s = await setup(name);
    const r = await certkitAsync(bare(s, name), { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^certificate for ${name} is live as "${name}" version 1$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}expires {3}\d{4}-/m);
    expect(r.stdout).toMatch(/^ {2}files {5}\S+\/live\/www\.summary\.test\/fullchain\.pem/m);
    expect(r.stdout).toMatch(/^ {2}apache {4}changed \d+ files under \S+: \S+/m);
    expect(r.stdout).toMatch(
      /^ {2}verified {2}the site serves the new certificate over TLS .*http:\/\/ answers 301 → https:/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}renewal {3}scheduled now \(\S+\); next run \d{4}-\d\d-\d\d \d\d:\d\d UTC/m,
    );
    expect(r.stdout).toMatch(new RegExp(`^  check it  certkit check ${name}:${s.tlsPort}$`, 'm'));
    expect(r.stdout).toMatch(/^renewal: installed (cron|systemd) schedule/m);
    expect(r.stdout).toMatch(
      new RegExp(`^Apache serves ${name} on port \\d+ .*: answering http-01 through it$`, 'm'),
    );
  }, 120_000);

  it('an app that rewrites every path: a temporary Alias answers, and is removed afterwards', async () => {
    const name = 'app.alias.test';
    const s = await setup(name, { appRewrite: true });
    const before = tree(s.apache.serverRoot);
    const r = await certkitAsync(['--json', ...bare(s, name)], { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /does not serve \/\.well-known\/acme-challenge\/ from its DocumentRoot .*a temporary Alias \(\S+certkit-acme-challenge\.conf\) answers instead/,
    );
    expect(r.stderr).toMatch(/removed the temporary challenge route from Apache/);
    await expectHttpsLive(s, name);
    expectOnlyInstallEdits(
      before,
      tree(s.apache.serverRoot),
      JSON.parse(r.stdout).installs[0].result.changed,
    );
    expect(existsSync(s.challengeBase)).toBe(false); // made for the run, removed with it
    expect(existsSync(join(s.apache.sites[0]!.docroot, '.well-known'))).toBe(false);
  }, 120_000);

  it('a site that already sends everything to https://: the probe and the CA follow the redirect; the certificate replaces the self-signed one', async () => {
    const name = 'www.redirected.test';
    const s = await setup(name, { alreadyHttps: true });
    const before = tree(s.apache.serverRoot);
    const selfSigned = await servedFingerprint('127.0.0.1', s.tlsPort, name);
    const r = await certkitAsync(['--json', ...bare(s, name)], { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/from its DocumentRoot .*: the challenge file goes there/);
    const served = await servedFingerprint('127.0.0.1', s.tlsPort, name);
    expect(served).not.toBe(selfSigned);
    expect(served).toBe(liveFingerprint(s.store, name));
    expect((await httpHead('127.0.0.1', s.apache.httpPort, name, '/x')).status).toBe(301);
    expectOnlyInstallEdits(
      before,
      tree(s.apache.serverRoot),
      JSON.parse(r.stdout).installs[0].result.changed,
    );
  }, 120_000);

  it('one certificate for names on two sites: each name answered through its own DocumentRoot, each site on HTTPS', async () => {
    const [a, b] = ['a.two-sites.test', 'b.two-sites.test'];
    const s = await setup(a, { more: [b] });
    const r = await certkitAsync(['--json', ...bare(s, a), b], { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    for (const [n, site] of [
      [a, s.apache.sites[0]!],
      [b, s.apache.sites[1]!],
    ] as const) {
      expect(r.stderr).toContain(
        `${n}: Apache serves /.well-known/acme-challenge/ from its DocumentRoot ${site.docroot}`,
      );
      expect(await servedFingerprint('127.0.0.1', s.tlsPort, n)).toBe(liveFingerprint(s.store, a));
    }
  }, 120_000);

  it('Apache holds the port but no site serves the name: exit 2 naming Apache and the name, nothing written', async () => {
    const s = await setup('www.served.test');
    const before = tree(s.apache.serverRoot);
    // --http-port: the port the CA would look at (this machine's port 80 may be anyone's)
    const r = await certkitAsync(bare(s, 'other.unserved.test', ['--http-port', String(s.apache.httpPort)]), {
      env: s.env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^certkit: port ${s.apache.httpPort} is held by Apache apache2 \\(pid \\d+\\), but none of its port-${s.apache.httpPort} sites serves other\\.unserved\\.test`,
      ),
    );
    expect(existsSync(s.store)).toBe(false);
    expect(tree(s.apache.serverRoot)).toEqual(before);
  });

  it('--no-install, then the bare request again: nothing ordered (still valid), but now installed and recorded', async () => {
    const name = 'later.install.test';
    const s = await setup(name);
    const first = await certkitAsync(bare(s, name, ['--no-install']), { env: s.env, timeoutMs: 90_000 });
    expect(first.code, first.stderr).toBe(0);
    const again = await certkitAsync(['--json', ...bare(s, name)], { env: s.env, timeoutMs: 90_000 });
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out).toMatchObject({ unchanged: true, installs: [{ kind: 'apache' }] });
    await expectHttpsLive(s, name);
    const settings = JSON.parse(readFileSync(join(s.store, 'lineages', name, 'settings.json'), 'utf8'));
    expect(settings.installers.map((i: { kind: string }) => i.kind)).toEqual(['apache']);
    expect(readdirSync(join(s.store, 'lineages', name, 'versions'))).toHaveLength(1);
  }, 120_000);

  it('concurrent renewals of two lineages through the temporary Alias: shared while they overlap, removed when both are done', async () => {
    const [one, two] = ['one.shared.test', 'two.shared.test'];
    const s = await setup(one, { appRewrite: true, more: [two] });
    const before = tree(s.apache.serverRoot);
    for (const n of [one, two]) {
      const r = await certkitAsync(bare(s, n, ['--no-install', '--no-schedule']), {
        env: s.env,
        timeoutMs: 90_000,
      });
      expect(r.code, r.stderr).toBe(0);
    }
    const renew = await certkitAsync(
      ['--store', s.store, 'renew', '--force', '--no-jitter', '--concurrency', '2', '--json'],
      { env: s.env, timeoutMs: 90_000 },
    );
    expect(renew.code, renew.stderr).toBe(0);
    expect(JSON.parse(renew.stdout).lineages.map((l: { status: string }) => l.status)).toEqual([
      'renewed',
      'renewed',
    ]);
    // each renewal that had to answer says the Alias (CI once saw one line where two renewals ran: whatever the
    // cause, the stderr is in the message so the next occurrence says it); at least one must have used it
    const aliasSaid = renew.stderr.match(/a temporary Alias .* answers instead/g) ?? [];
    expect(aliasSaid.length, renew.stderr).toBeGreaterThanOrEqual(1);
    expect(aliasSaid.length, renew.stderr).toBeLessThanOrEqual(2);
    // removed once when both overlapped (the usual case), twice if one finished before the other began
    expect(renew.stderr.match(/removed the temporary challenge route/g)!.length).toBeLessThanOrEqual(2);
    expect(renew.stderr).not.toMatch(/left behind by an interrupted run/);
    expect(tree(s.apache.serverRoot)).toEqual(before);
  }, 150_000);

  it('RHEL layout, a DocumentRoot that refuses /.well-known/: the Alias goes into conf.d; with --no-install the tree ends byte-identical', async () => {
    const name = 'rhel.alias.test';
    const s = await setup(name, { rhel: true, denyWellKnown: true });
    const before = tree(s.apache.serverRoot);
    const r = await certkitAsync(['--json', ...bare(s, name, ['--no-install'])], {
      env: s.env,
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /a probe file got 403.*a temporary Alias \(\S+\/conf\.d\/certkit-acme-challenge\.conf\) answers instead/,
    );
    const out = JSON.parse(r.stdout);
    expect(out.installs).toEqual([]);
    expect(out.decisions).toContain('not installing into Apache (--no-install)');
    expect(tree(s.apache.serverRoot)).toEqual(before);
    expect(existsSync(join(s.store, 'live', name, 'fullchain.pem'))).toBe(true);
  }, 120_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    "%s while the temporary Alias is in place: Apache's tree is restored and Apache still serves",
    async (signal, code) => {
      const name = `${signal.toLowerCase()}.alias.test`;
      const s = await setup(name, { appRewrite: true });
      const before = tree(s.apache.serverRoot);
      const conf = join(s.apache.serverRoot, 'conf-enabled', 'certkit-acme-challenge.conf');
      const child = spawn(process.execPath, [BIN, ...bare(s, name)], {
        env: { ...process.env, ...s.env, NO_COLOR: '1' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      const deadline = Date.now() + 60_000;
      while (!existsSync(conf) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 10));
      expect(existsSync(conf), stderr).toBe(true);
      child.kill(signal);
      expect(await exited, stderr).toBe(code);
      expect(stderr).toMatch(new RegExp(`${signal}: removing the temporary challenge route`));
      expect(tree(s.apache.serverRoot)).toEqual(before);
      expect((await httpHead('127.0.0.1', s.apache.httpPort, name, '/')).status).toBe(200);
      expect(existsSync(join(s.store, 'live', name))).toBe(false);
    },
    120_000,
  );
});

/** A request that must stop before it talks to any CA (there is none at that address). */
const offline = (store: string, name: string, ...extra: string[]) =>
  certkitAsync([
    '--store',
    store,
    'request',
    name,
    '--server',
    'https://127.0.0.1:1/dir',
    '--agree-tos',
    '--no-email',
    ...extra,
  ]);

describe('bare certkit request when the CA cannot validate', () => {
  it('the temporary Alias is removed and the tree restored; nothing installed, nothing stored', async () => {
    const name = 'fails.alias.test';
    const s = await setup(name, { appRewrite: true, caLooksElsewhere: true });
    const before = tree(s.apache.serverRoot);
    const r = await certkitAsync(bare(s, name), { env: s.env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/a temporary Alias \(\S+\) answers instead/);
    expect(r.stderr).toMatch(
      new RegExp(`^certkit: ${name.replace(/\./g, '\\.')}: the CA could not validate`, 'm'),
    );
    expect(tree(s.apache.serverRoot)).toEqual(before);
    expect(existsSync(s.challengeBase)).toBe(false);
    expect(existsSync(join(s.store, 'live', name))).toBe(false);
    expect((await httpHead('127.0.0.1', s.apache.httpPort, name, '/')).status).toBe(200);
  }, 120_000);

  it("the temporary Alias fails Apache's config test: the cause is shown, nothing reloaded, the tree restored", async () => {
    const name = 'badconf.alias.test';
    const s = await setup(name, { appRewrite: true });
    const ctl = join(s.challengeBase, '..', 'refusing-ctl.sh');
    writeFileSync(
      ctl,
      `#!/bin/sh\nif [ "$1" = configtest ] && [ -e ${s.apache.serverRoot}/conf-enabled/certkit-acme-challenge.conf ]; then echo "AH00526: Syntax error on line 3 (forced by the test)" >&2; exit 1; fi\nAPACHE_CONFDIR=${s.apache.serverRoot} exec apache2ctl "$@"\n`,
      { mode: 0o755 },
    );
    const before = tree(s.apache.serverRoot);
    const graceful = () =>
      (readFileSync(join(s.apache.logs, 'error.log'), 'utf8').match(/Doing graceful restart/g) ?? []).length;
    const reloadsBefore = graceful();
    const r = await certkitAsync(bare(s, name, ['--ctl', ctl]), { env: s.env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/^certkit: .*AH00526: Syntax error on line 3 \(forced by the test\)/m);
    expect(tree(s.apache.serverRoot)).toEqual(before);
    expect(graceful()).toBe(reloadsBefore); // the refused conf was never loaded, so no reload either
    expect(existsSync(s.challengeBase)).toBe(false);
    expect((await httpHead('127.0.0.1', s.apache.httpPort, name, '/')).status).toBe(200);
  }, 120_000);

  it("not root: Apache's files cannot be written, so one clear line (exit 8), nothing changed", async () => {
    const name = 'notroot.docroot.test';
    const s = await setup(name);
    const before = tree(s.apache.serverRoot);
    const dir = join(s.challengeBase, '..');
    // what an unprivileged user can reach: the CA's TLS root and a store of its own
    const ca = join(dir, 'pebble-tls-root.pem');
    copyFileSync(s.pebble.tlsCaFile, ca);
    chmodSync(ca, 0o644);
    const storeParent = join(dir, 'nobody');
    mkdirSync(storeParent, { mode: 0o777 });
    chmodSync(storeParent, 0o777);
    const args = bare(s, name).map((a) => (a === s.store ? join(storeParent, 'store') : a));
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
      const child = spawn(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args],
        {
          env: { ...process.env, ...s.env, NODE_EXTRA_CA_CERTS: ca, NO_COLOR: '1' },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => res({ code, stdout, stderr }));
    });
    expect(r.code, r.stdout + r.stderr).toBe(8);
    expect(r.stderr.trim()).toMatch(
      /^certkit: cannot write a probe file under \S+\/\.well-known\/acme-challenge\/: EACCES \(run certkit as root/m,
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(tree(s.apache.serverRoot)).toEqual(before);
    expect(existsSync(join(s.apache.sites[0]!.docroot, '.well-known'))).toBe(false);
  }, 120_000);
});

describe('bare certkit request without a usable Apache', () => {
  it('port free and no Apache serving the name: the built-in server answers', async () => {
    const pebble = await startPebble();
    cleanups.push(() => pebble.stop());
    const dir = tempDir();
    const store = join(dir, 'store');
    const args = [
      '--json',
      '--store',
      store,
      'request',
      'free.port.test',
      '--server',
      pebble.directoryUrl,
      '--http-port',
      String(pebble.httpPort),
      '--agree-tos',
      '--no-email',
    ];
    const env = { ...pebble.env, CERTKIT_SCHEDULE_ROOT: join(dir, 'root') };
    const r = await certkitAsync(args, { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.decisions[0]).toMatch(
      new RegExp(`port ${pebble.httpPort} is free: answering http-01 with certkit's built-in server`),
    );
    expect(out.challenge).toEqual({ type: 'standalone', port: pebble.httpPort, address: '' });
    expect(out.installs).toEqual([]);
    expect(existsSync(join(store, 'live', 'free.port.test', 'fullchain.pem'))).toBe(true);
    expect(out.renewal).toMatchObject({ installed: true });
    // a second request finds the renewal entry and says when it runs, changing nothing
    const schedule = readFileSync(out.renewal.file, 'utf8');
    const again = await certkitAsync(args.slice(1), { env, timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /^ {2}renewal {3}already scheduled \(\S+\); next run \d{4}-\d\d-\d\d \d\d:\d\d UTC/m,
    );
    expect(readFileSync(out.renewal.file, 'utf8')).toBe(schedule);
  });

  it('port held by another program: exit 2 naming it and the flags that would work, nothing written', async () => {
    const port = await freePort();
    const holder = spawn(process.execPath, [
      '-e',
      `require('http').createServer().listen(${port}, '127.0.0.1')`,
    ]);
    cleanups.push(() => holder.kill());
    const store = join(tempDir(), 'store');
    let r;
    for (let i = 0; i < 50; i++) {
      r = await offline(store, 'held.port.test', '--http-port', String(port));
      if (!/is free/.test(r.stdout)) break; // the holder may not be listening yet
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(r!.code, r!.stderr).toBe(2);
    const lines = r!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^certkit: port ${port} is held by node \\(pid ${holder.pid}\\), .*--webroot DIR .*--dns-hook CMD`,
      ),
    );
    expect(existsSync(store)).toBe(false);
  });

  it('a wildcard without a DNS hook: exit 2 pointing at --dns-hook and --manual, nothing written', async () => {
    const store = join(tempDir(), 'store');
    const r = await offline(store, '*.wild.test');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: \*\.wild\.test: a wildcard can only be proven over DNS \(dns-01\).*\(add --dns-hook CMD .*--manual/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(store)).toBe(false);
  });

  it('in a script without --email/--no-email or --agree-tos: one clear line, nothing written', async () => {
    const pebble = await startPebble();
    cleanups.push(() => pebble.stop());
    const store = join(tempDir(), 'store');
    const r = await certkitAsync(
      [
        '--store',
        store,
        'request',
        'acct.test',
        '--server',
        pebble.directoryUrl,
        '--standalone',
        '--http-port',
        String(pebble.httpPort),
      ],
      { env: pebble.env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: a new account at 127\.0\.0\.1:\d+ needs --agree-tos \(after reading the CA's terms at \S+\) and --email ADDRESS \(or --no-email\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(store, 'live'))).toBe(false);
  });
});
