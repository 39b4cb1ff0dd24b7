/**
 * certkit install asterisk. Asterisk itself is NOT packaged for Debian 12 and cannot run here: its reloads go
 * through an injected command runner played by a FAKE Asterisk (test/helpers/fake-asterisk.ts) that serves
 * real TLS from the deployed files. The configurations are Asterisk's own sample files.
 */
import { diffLines } from 'diff';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveValue,
  isTemplate,
  parseAsterisk,
  printAsterisk,
  settingValue,
} from '../../src/deploy/asterisk/parser.js';
import { installAsterisk, RELOAD_COMMANDS } from '../../src/deploy/asterisk/install.js';
import {
  discoverAsterisk,
  planAsteriskInstall,
  type AsteriskPart,
  type AsteriskPlanOptions,
} from '../../src/deploy/asterisk/plan.js';
import { contentAfter } from '../../src/deploy/engine.js';
import { probeTls } from '../../src/monitor/tls-probe.js';
import { certkit } from '../helpers/cli.js';
import { FakeAsterisk } from '../helpers/fake-asterisk.js';
import { freePort } from '../helpers/apache.js';
import { issue, makeRoot, openssl, read, tempDir } from '../helpers/openssl.js';

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'asterisk');
const sample = (f: string) => readFileSync(join(SAMPLES, f), 'utf8');
const MANAGED_KEYS = [
  'cert_file',
  'priv_key_file',
  'method',
  'bind',
  'tlsenable',
  'tlsbindaddr',
  'tlscertfile',
  'tlsprivatekey',
  'tlsclientmethod',
];

let pki: { fullchain: string; key: string; leaf: string; int: string };
const fakes: FakeAsterisk[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
});

beforeAll(() => {
  const dir = tempDir();
  const root = makeRoot(dir);
  const int = issue(dir, 'int', root, { cn: 'Asterisk Test Intermediate', ca: true });
  const leaf = issue(dir, 'pbx', int, { cn: 'pbx.example.test', sans: ['pbx.example.test'], key: 'ec256' });
  writeFileSync(join(dir, 'fullchain.pem'), read(leaf.certFile) + read(int.certFile));
  pki = { fullchain: join(dir, 'fullchain.pem'), key: leaf.keyFile, leaf: leaf.certFile, int: int.certFile };
});

/** Uncomments the sample's example TLS transport block. */
function withTlsTransport(text: string, bind: string): string {
  return text.replace(
    /;\[transport-tls\]\n;type=transport\n;protocol=tls\n;bind=0\.0\.0\.0\n;cert_file=\/path\/mycert\.crt\n;priv_key_file=\/path\/mykey\.key\n;cipher=[^\n]*\n;method=tlsv1\n/,
    `[transport-tls]\ntype=transport\nprotocol=tls\nbind=${bind}\ncert_file=/path/mycert.crt\npriv_key_file=/path/mykey.key\nmethod=tlsv1\n`,
  );
}

function configDir(files: Record<string, string>): string {
  const parent = tempDir();
  chmodSync(parent, 0o755); // the asterisk group must be able to reach the keys
  const dir = join(parent, 'asterisk');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Every line of the input survives except managed settings that were given new values. */
function expectOnlyManagedChanges(before: string, after: string) {
  for (const part of diffLines(before, after)) {
    if (!part.removed) continue;
    for (const line of part.value.split('\n').filter(Boolean)) {
      const key = /^\s*([^=;\s]+)\s*=/.exec(line)?.[1];
      expect(MANAGED_KEYS, `removed line: ${line}`).toContain(key);
    }
  }
  expect(printAsterisk(parseAsterisk(after))).toBe(after);
}

function plan(dir: string, parts: AsteriskPart[], gid: number | null = null) {
  const o: AsteriskPlanOptions = {
    lineage: 'pbx',
    configDir: dir,
    keysDir: join(dir, 'keys'),
    parts,
    method: 'tlsv1_2',
    fullchainPem: read(pki.fullchain),
    keyPem: read(pki.key),
    asteriskGid: gid,
  };
  return planAsteriskInstall(discoverAsterisk(o), o);
}

const after = (p: ReturnType<typeof plan>, path: string) => contentAfter(p, path)!;

describe('Asterisk config parser', () => {
  it.each([
    'asterisk.conf.sample',
    'http.conf.sample',
    'manager.conf.sample',
    'pjsip.conf.sample',
    'sip.conf.sample',
  ])('round-trips %s', (f) => {
    expect(printAsterisk(parseAsterisk(sample(f)))).toBe(sample(f));
  });

  it('understands templates, inheritance, (+) sections, block comments, escapes and includes', () => {
    const text =
      '[t1](!)\ntype=transport\n[t2](!)\nprotocol=tls ; comment\n[real](t1,t2)\nbind=1.2.3.4\\;x\n[real](+)\nmethod=sslv23\n;-- a block\n[hidden]\nprotocol=udp\n--;\n#include extra.conf\n';
    const f = parseAsterisk(text);
    expect(printAsterisk(f)).toBe(text);
    const real = f.sections.find((s) => s.header.name === 'real')!;
    expect(effectiveValue(f, real, 'protocol')).toBe('tls');
    expect(settingValue(real.lines, 'bind')).toBe('1.2.3.4;x');
    expect(f.sections.map((s) => s.header.name)).toEqual(['t1', 't2', 'real', 'real']);
    expect(f.sections[3]!.header.options).toEqual(['+']);
  });
});

describe('Asterisk plans against configurations built from the samples', () => {
  it('PJSIP transport present: set in place, method never left as tlsv1', () => {
    const before = withTlsTransport(sample('pjsip.conf.sample'), '0.0.0.0:5061');
    const dir = configDir({ 'pjsip.conf': before });
    const p = plan(dir, ['pjsip']);
    const text = after(p, join(dir, 'pjsip.conf'));
    expectOnlyManagedChanges(before, text);
    const f = parseAsterisk(text);
    const t = f.sections.find((s) => s.header.name === 'transport-tls')!;
    expect(settingValue(t.lines, 'method')).toBe('tlsv1_2');
    expect(settingValue(t.lines, 'cert_file')).toBe(join(dir, 'keys', 'pbx.crt'));
    expect(settingValue(t.lines, 'priv_key_file')).toBe(join(dir, 'keys', 'pbx.key'));
  });

  it('PJSIP transport missing: one managed file pulled in with #tryinclude', () => {
    const before = sample('pjsip.conf.sample');
    const dir = configDir({ 'pjsip.conf': before });
    const p = plan(dir, ['pjsip']);
    const main = after(p, join(dir, 'pjsip.conf'));
    expect(main.startsWith(before)).toBe(true);
    expect(main.slice(before.length)).toMatch(
      /^\n; TLS transport managed by certkit\n#tryinclude pjsip_certkit\.conf\n$/,
    );
    const managed = parseAsterisk(after(p, join(dir, 'pjsip_certkit.conf')));
    const t = managed.sections[0]!;
    expect(settingValue(t.lines, 'protocol')).toBe('tls');
    expect(settingValue(t.lines, 'method')).toBe('tlsv1_2');
  });

  it('PJSIP transport defined through a template: the concrete section gets the settings, the template stays', () => {
    const before =
      sample('pjsip.conf.sample') +
      '\n[tls-base](!)\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\n\n[transport-tls-real](tls-base)\n';
    const dir = configDir({ 'pjsip.conf': before });
    const text = after(plan(dir, ['pjsip']), join(dir, 'pjsip.conf'));
    expectOnlyManagedChanges(before, text);
    const f = parseAsterisk(text);
    const real = f.sections.find((s) => s.header.name === 'transport-tls-real')!;
    const base = f.sections.find((s) => s.header.name === 'tls-base')!;
    expect(isTemplate(base)).toBe(true);
    expect(settingValue(base.lines, 'cert_file')).toBeUndefined();
    expect(effectiveValue(f, real, 'method')).toBe('tlsv1_2');
    expect(effectiveValue(f, real, 'cert_file')).toBe(join(dir, 'keys', 'pbx.crt'));
  });

  it("PJSIP transport living in an #include'd file: that file is edited", () => {
    const main = sample('pjsip.conf.sample') + '\n#include pjsip_transports.conf\n';
    const inc = '; our transports\n[transport-tls]\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\n';
    const dir = configDir({ 'pjsip.conf': main, 'pjsip_transports.conf': inc });
    const p = plan(dir, ['pjsip']);
    expect(p.effects.find((c) => 'path' in c && c.path === join(dir, 'pjsip.conf'))).toBeUndefined();
    const text = after(p, join(dir, 'pjsip_transports.conf'));
    expectOnlyManagedChanges(inc, text);
    expect(text).toMatch(/method=tlsv1_2/);
  });

  for (const [part, file] of [
    ['http', 'http.conf.sample'],
    ['manager', 'manager.conf.sample'],
    ['sip', 'sip.conf.sample'],
  ] as const) {
    it(`${file}: TLS enabled in [general], everything else kept`, () => {
      const before = sample(file);
      const dir = configDir({ [`${part}.conf`]: before });
      const text = after(plan(dir, [part]), join(dir, `${part}.conf`));
      expectOnlyManagedChanges(before, text);
      const g = parseAsterisk(text).sections.find((s) => s.header.name === 'general')!;
      expect(settingValue(g.lines, 'tlsenable')).toBe('yes');
      expect(settingValue(g.lines, 'tlscertfile')).toBe(join(dir, 'keys', 'pbx.crt'));
      expect(settingValue(g.lines, 'tlsprivatekey')).toBe(join(dir, 'keys', 'pbx.key'));
      expect(settingValue(g.lines, 'tlsbindaddr')).toMatch(/:(8089|5039|5061)$/);
    });
  }
});

describe('certkit install asterisk (with the FAKE Asterisk)', () => {
  async function setup() {
    const [sipPort, httpsPort] = [await freePort(), await freePort()];
    const dir = configDir({
      'pjsip.conf': withTlsTransport(sample('pjsip.conf.sample'), `127.0.0.1:${sipPort}`),
      'http.conf': sample('http.conf.sample').replace(
        ';tlsbindaddr=0.0.0.0:8089 ',
        `tlsbindaddr=127.0.0.1:${httpsPort} `,
      ),
      'manager.conf': sample('manager.conf.sample'),
      'sip.conf': sample('sip.conf.sample'),
    });
    const fake = new FakeAsterisk(dir);
    fakes.push(fake);
    return { dir, sipPort, httpsPort, fake };
  }
  const run = (dir: string, fake: FakeAsterisk, extra: Partial<Parameters<typeof installAsterisk>[0]> = {}) =>
    installAsterisk({
      lineage: 'pbx',
      names: ['pbx.example.test'],
      fullchainPath: pki.fullchain,
      keyPath: pki.key,
      configDir: dir,
      keysDir: join(dir, 'keys'),
      parts: ['pjsip', 'http'],
      runner: fake.runner,
      asteriskGid: 0,
      verifyHost: '127.0.0.1',
      ...extra,
    });

  it('issues exactly the per-part reload commands, verifies the served fingerprint, and a second run is a no-op', async () => {
    const { dir, sipPort, fake } = await setup();
    const r = await run(dir, fake, { parts: ['pjsip', 'http', 'manager', 'sip'] });
    expect(fake.commands).toEqual([
      ['asterisk', '-V'],
      ['asterisk', '-rx', 'module reload res_pjsip.so'],
      ['asterisk', '-rx', 'module reload http'],
      ['asterisk', '-rx', 'manager reload'],
      ['asterisk', '-rx', 'sip reload'],
    ]);
    expect(r.verified.some((v) => v.startsWith(`pjsip 127.0.0.1:${sipPort}`))).toBe(true);
    const snapshot = readdirSync(dir).map((f) =>
      statSync(join(dir, f)).isFile() ? readFileSync(join(dir, f), 'utf8') : f,
    );
    const again = await run(dir, fake, { parts: ['pjsip', 'http', 'manager', 'sip'] });
    expect(again.noop).toBe(true);
    expect(again.changed).toEqual([]);
    expect(
      readdirSync(dir).map((f) => (statSync(join(dir, f)).isFile() ? readFileSync(join(dir, f), 'utf8') : f)),
    ).toEqual(snapshot);
    expect(Object.values(RELOAD_COMMANDS)).toHaveLength(4);
  });

  it('a TLS listener started from the deployed files serves the full chain leaf-first', async () => {
    const { dir, sipPort, httpsPort, fake } = await setup();
    await run(dir, fake);
    for (const port of [sipPort, httpsPort]) {
      const served = await probeTls({
        address: '127.0.0.1',
        port,
        servername: 'pbx.example.test',
        timeoutMs: 3000,
      });
      expect(served.orderKnown).toBe(true);
      const fps = served.certs.map((der) => new X509Certificate(der).fingerprint256);
      const expected = [pki.leaf, pki.int].map((f) =>
        openssl(['x509', '-in', f, '-noout', '-fingerprint', '-sha256']).split('=')[1]!.trim(),
      );
      expect(fps).toEqual(expected);
    }
  });

  it('permissions: key 0640 group asterisk and directory 0750 when the group exists; else 0600 and a note', async () => {
    const a = await setup();
    await run(a.dir, a.fake, { asteriskGid: 0 });
    expect(statSync(join(a.dir, 'keys', 'pbx.key')).mode & 0o777).toBe(0o640);
    expect(statSync(join(a.dir, 'keys')).mode & 0o777).toBe(0o750);
    const b = await setup();
    const r = await run(b.dir, b.fake, { asteriskGid: null });
    expect(statSync(join(b.dir, 'keys', 'pbx.key')).mode & 0o777).toBe(0o600);
    expect(r.notes.join(' ')).toMatch(/no "asterisk" group/);
  });

  it('a listener that keeps the old certificate makes the install roll back, byte for byte', async () => {
    const { dir, fake } = await setup();
    const before = readFileSync(join(dir, 'pjsip.conf'), 'utf8');
    const deaf: typeof fake.runner = async (cmd, args) =>
      args[0] === '-V' ? { code: 0, output: 'FAKE' } : { code: 0, output: '' }; // reloads do nothing
    await expect(run(dir, fake, { runner: deaf })).rejects.toThrow(
      /does not serve the new certificate.*restored/,
    );
    expect(readFileSync(join(dir, 'pjsip.conf'), 'utf8')).toBe(before);
  });

  it('without an Asterisk binary: files written, the reload skipped and said so (CLI)', async () => {
    const { dir } = await setup();
    const store = join(tempDir(), 'store');
    certkit(['--store', store, 'import', '--cert', pki.fullchain, '--key', pki.key, '--name', 'pbx']);
    const r = certkit([
      '--json',
      '--store',
      store,
      'install',
      'asterisk',
      '--name',
      'pbx',
      '--config-dir',
      dir,
      '--keys-dir',
      join(dir, 'keys'),
      '--pjsip',
      '--asterisk',
      '/nonexistent/asterisk',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.reloadSkipped).toBe(true);
    expect(out.notes.join(' ')).toMatch(/reload was skipped/);
    expect(readFileSync(join(dir, 'pjsip.conf'), 'utf8')).toMatch(/method=tlsv1_2/);
    const dry = certkit([
      '--store',
      store,
      'install',
      'asterisk',
      '--name',
      'pbx',
      '--config-dir',
      dir,
      '--keys-dir',
      join(dir, 'keys'),
      '--http',
      '--dry-run',
    ]);
    expect(dry.stdout).toMatch(/^\+tlsenable=yes/m);
    void cpSync;
  });
});
