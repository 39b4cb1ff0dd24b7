/**
 * certkit install asterisk. Asterisk itself is NOT packaged for Debian 12 and cannot run here: the installer
 * meets a STAND-IN (test/helpers/asterisk-standin.mjs), a daemon that behaves, for TLS, like the real
 * Asterisk 20.20.1 measured in the field notes, serving real TLS on each part's own port. The configurations
 * are Asterisk's own sample files (test/fixtures/asterisk, GPL-2.0, see SOURCE.md).
 */
import { diffLines } from 'diff';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  effectiveValue,
  isTemplate,
  parseAsterisk,
  printAsterisk,
  settingValue,
} from '../../src/deploy/asterisk/parser.js';
import {
  discoverAsterisk,
  planAsteriskInstall,
  type AsteriskPart,
  type AsteriskPlanOptions,
} from '../../src/deploy/asterisk/plan.js';
import { contentAfter, renderDiff } from '../../src/deploy/engine.js';
import { snapshotWithModes } from '../helpers/fs.js';
import { installAsterisk } from '../../src/deploy/asterisk/install.js';
import { freePort } from '../helpers/apache.js';
import { certkit, certkitAsync } from '../helpers/cli.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { read, tempDir } from '../helpers/openssl.js';
import {
  makePki,
  served,
  servedEventually,
  startAsteriskStandin,
  type AsteriskStandin,
  type Pki,
} from '../helpers/asterisk-standin.js';

const touchFile = (f: string) => {
  const now = new Date();
  utimesSync(f, now, now);
};

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'asterisk');
const sample = (f: string) => readFileSync(join(SAMPLES, f), 'utf8');
const MANAGED_KEYS = [
  'cert_file',
  'priv_key_file',
  'method',
  'bind',
  'tlsenable',
  'enabled', // http.conf/manager.conf: the server is switched on when its TLS part is asked for
  'bindaddr', // ... and the plain listener it brings along stays on loopback
  'tlsbindaddr',
  'tlscertfile',
  'tlsprivatekey',
  'tlsclientmethod',
  'allow_reload',
];

let pki: Pki;
const newPki = () => (pki ??= makePki());
/** Uncomments the sample's example TLS transport block. */
function withTlsTransport(
  text: string,
  bind: string,
  cert = '/path/mycert.crt',
  key = '/path/mykey.key',
  method = 'tlsv1',
): string {
  return text.replace(
    /;\[transport-tls\]\n;type=transport\n;protocol=tls\n;bind=0\.0\.0\.0\n;cert_file=\/path\/mycert\.crt\n;priv_key_file=\/path\/mykey\.key\n;cipher=[^\n]*\n;method=tlsv1\n/,
    `[transport-tls]\ntype=transport\nprotocol=tls\nbind=${bind}\ncert_file=${cert}\npriv_key_file=${key}\nmethod=${method}\n`,
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

function plan(dir: string, parts: AsteriskPart[] | undefined, gid: number | null = null) {
  newPki();
  const o: AsteriskPlanOptions = {
    lineage: 'pbx',
    configDir: dir,
    keysDir: join(dir, 'keys'),
    parts,
    method: 'tlsv1_2',
    fullchainPem: read(pki.fullchain),
    keyPem: read(pki.key),
    asteriskGid: gid,
    uid: 0,
    name: 'pbx.example.test',
    fingerprint: pki.fingerprint,
    nowMs: Date.now(),
  };
  return planAsteriskInstall(discoverAsterisk(o), o);
}

const after = (p: ReturnType<typeof plan>, path: string) => contentAfter(p, path)!;
const written = (p: ReturnType<typeof plan>) =>
  p.effects.flatMap((e) => (e.kind === 'write' ? [e.path] : []));

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
  it('golden plan: the stock samples with an existing TLS transport, every part asked for (no Asterisk started)', async () => {
    const dir = configDir({
      'http.conf': sample('http.conf.sample'),
      'manager.conf': sample('manager.conf.sample'),
      'sip.conf': sample('sip.conf.sample'),
    });
    // the transport's own files live beside the config (a path outside the test directory would make the
    // golden depend on this machine's /etc)
    mkdirSync(join(dir, 'own-keys'));
    const own = (f: string) => join(dir, 'own-keys', f);
    writeFileSync(own('asterisk.crt'), 'old certificate\n');
    writeFileSync(own('asterisk.key'), 'old key\n', { mode: 0o600 });
    writeFileSync(
      join(dir, 'pjsip.conf'),
      withTlsTransport(sample('pjsip.conf.sample'), '0.0.0.0:5061', own('asterisk.crt'), own('asterisk.key')),
    );
    const p = plan(dir, ['pjsip', 'http', 'manager', 'sip']);
    const golden = [
      ...p.notes.map((n) => `# note: ${n}`),
      renderDiff(p)
        .replace(/^# (new file|new directory) (.*) \(mode (\d+), owner .*\)$/gm, '# $1 $2 (mode $3)')
        .replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '<CERTIFICATE>')
        // a PEM's line count follows its signature's length: the hunk header of a certificate file too
        .replace(/^@@ [^\n]* @@\n(?=[-+]?[^\n]*\n?\+<CERTIFICATE>)/gm, '@@ <CERTIFICATE LINES> @@\n')
        .replace(/sha256 [0-9a-f]+…/g, 'sha256 <KEY>')
        .replace(/serves [0-9A-F:]+…/g, 'serves <FINGERPRINT>'),
    ]
      .join('\n')
      .split(dirname(dir))
      .join('<DIR>');
    await expect(golden).toMatchFileSnapshot(join('..', 'unit', 'golden', 'asterisk_samples_all_parts.diff'));
  });

  it('without part flags, the stock http.conf (server off) is left off with a note; enabled=yes makes it a part', () => {
    const stock = {
      'pjsip.conf': sample('pjsip.conf.sample'),
      'http.conf': sample('http.conf.sample'),
      'manager.conf': sample('manager.conf.sample'),
    };
    const off = plan(configDir(stock), undefined);
    expect(off.parts).toEqual(['pjsip']);
    expect(off.notes.join('\n')).toMatch(/http\.conf: the HTTP server is off.*--http switches it on/);
    expect(off.endpoints.map((e) => e.part)).not.toContain('http');
    const on = plan(
      configDir({ ...stock, 'http.conf': sample('http.conf.sample').replace(';enabled=yes', 'enabled=yes') }),
      undefined,
    );
    expect(on.parts).toEqual(['pjsip', 'http']);
  });

  it('PJSIP transport present: its file paths kept (the files are written there), method never left as tlsv1 (with allow_reload=yes, said so)', () => {
    const before = withTlsTransport(sample('pjsip.conf.sample'), '0.0.0.0:5061');
    const dir = configDir({ 'pjsip.conf': before });
    const p = plan(dir, ['pjsip']);
    const text = after(p, join(dir, 'pjsip.conf'));
    expectOnlyManagedChanges(before, text);
    const f = parseAsterisk(text);
    const t = f.sections.find((s) => s.header.name === 'transport-tls')!;
    expect(settingValue(t.lines, 'method')).toBe('tlsv1_2');
    expect(settingValue(t.lines, 'allow_reload')).toBe('yes');
    expect(settingValue(t.lines, 'cert_file')).toBe('/path/mycert.crt');
    expect(settingValue(t.lines, 'priv_key_file')).toBe('/path/mykey.key');
    expect(written(p)).toEqual(expect.arrayContaining(['/path/mycert.crt', '/path/mykey.key']));
    expect(p.notes.join(' ')).toMatch(/allow_reload=yes/);
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
    expect(effectiveValue(f, real, 'allow_reload')).toBe('yes');
  });

  it("PJSIP transport living in an #include'd file: that file is edited", () => {
    const main = sample('pjsip.conf.sample') + '\n#include pjsip_transports.conf\n';
    const inc = '; our transports\n[transport-tls]\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\n';
    const dir = configDir({ 'pjsip.conf': main, 'pjsip_transports.conf': inc });
    const p = plan(dir, ['pjsip']);
    expect(written(p)).not.toContain(join(dir, 'pjsip.conf'));
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

describe('each Asterisk part gets its own port', () => {
  it('defaults on the samples: PJSIP 5061, https 8089, AMI 5039, chan_sip the next port PJSIP does not use', () => {
    const dir = configDir(
      Object.fromEntries(
        ['pjsip', 'http', 'manager', 'sip'].map((p) => [`${p}.conf`, sample(`${p}.conf.sample`)]),
      ),
    );
    const p = plan(dir, ['pjsip', 'http', 'manager', 'sip']);
    expect(p.endpoints.map((e) => `${e.part} ${e.bind}`)).toEqual([
      'pjsip 0.0.0.0:5061',
      'http 0.0.0.0:8089',
      'manager 0.0.0.0:5039',
      'sip 0.0.0.0:5062',
    ]);
    const verify = p.effects.flatMap((e) => (e.kind === 'verify' ? [`${e.host}:${e.port}`] : []));
    expect(verify).toEqual(['127.0.0.1:5061', '127.0.0.1:8089', '127.0.0.1:5039', '127.0.0.1:5062']);
  });

  it("chan_sip alone still avoids an existing PJSIP TLS transport's port", () => {
    const dir = configDir({
      'pjsip.conf': withTlsTransport(sample('pjsip.conf.sample'), '0.0.0.0:5061'),
      'sip.conf': sample('sip.conf.sample'),
    });
    expect(plan(dir, ['sip']).endpoints.map((e) => e.bind)).toEqual(['0.0.0.0:5062']);
  });

  it('the reloads come after touching the .conf files the modules compare (manager, http; sip only with users.conf)', () => {
    const files = Object.fromEntries(
      ['pjsip', 'http', 'manager', 'sip'].map((p) => [`${p}.conf`, sample(`${p}.conf.sample`)]),
    );
    const without = configDir(files);
    const touched = (p: ReturnType<typeof plan>) =>
      p.effects.flatMap((e) => (e.kind === 'touch' ? [e.path.split('/').pop()] : []));
    expect(touched(plan(without, ['pjsip', 'http', 'manager', 'sip']))).toEqual([
      'http.conf',
      'manager.conf',
    ]);
    const withUsers = configDir({ ...files, 'users.conf': '[general]\n' });
    const p = plan(withUsers, ['pjsip', 'http', 'manager', 'sip']);
    expect(touched(p)).toEqual(['http.conf', 'manager.conf', 'sip.conf']);
    const kinds = p.effects.map((e) => e.kind);
    expect(kinds.lastIndexOf('touch')).toBeLessThan(kinds.indexOf('reload'));
    expect(p.effects.flatMap((e) => (e.kind === 'reload' ? [e.what] : []))).toEqual([
      'module reload res_pjsip.so',
      'module reload http',
      'manager reload',
      'sip reload',
    ]);
  });
});

describe('certificate files named by the configuration', () => {
  it('tlscertfile without tlsprivatekey: the key goes into that file with the chain (Asterisk reads both from it), never shown, its world-readable mode noted', () => {
    const dir = configDir({});
    const pem = join(dir, 'asterisk.pem');
    writeFileSync(pem, 'old\n', { mode: 0o644 });
    chmodSync(pem, 0o644);
    writeFileSync(
      join(dir, 'http.conf'),
      `[general]\nenabled=yes\ntlsenable=yes\ntlsbindaddr=0.0.0.0:8089\ntlscertfile=${pem}\n`,
    );
    const p = plan(dir, ['http']);
    expect(after(p, pem)).toBe(read(pki.fullchain) + read(pki.key));
    expect(p.effects.find((e) => e.kind === 'write' && e.path === pem)).toMatchObject({
      secret: true,
      mode: 0o644,
    });
    expect(p.notes.join('\n')).toMatch(/asterisk\.pem holds the private key and is world-readable/);
    expect(written(p)).not.toContain(join(dir, 'http.conf')); // nothing to edit there
  });

  it('a relative certificate path is refused, naming the setting', () => {
    const dir = configDir({
      'manager.conf': '[general]\ntlsenable=yes\ntlscertfile=asterisk.pem\ntlsprivatekey=asterisk.key\n',
    });
    expect(() => plan(dir, ['manager'])).toThrow(
      /manager\.conf tlscertfile names "asterisk\.pem", a relative path/,
    );
  });
});

// ------------------------------------------------------------------ against the Asterisk stand-in
const ASTERISK_GID = 4242; // the "asterisk" group
const SOME_GID = 4343; // a group that reads pjsip.conf/manager.conf (passwords, the AMI secret)
const ALL: AsteriskPart[] = ['pjsip', 'http', 'manager', 'sip'];
const standins: AsteriskStandin[] = [];
afterEach(async () => {
  for (const s of standins.splice(0)) await s.stop();
});

interface Pbx {
  etc: string;
  keys: string;
  ports: Record<AsteriskPart, number>;
  standin: AsteriskStandin;
}

const tcptls = (bind: string, cert: string, key: string) =>
  `[general]\ntlsenable=yes\ntlsbindaddr=${bind}\ntlscertfile=${cert}\ntlsprivatekey=${key}\n`;

/**
 * A PBX set up by hand the common way: a self-signed certificate at <etc>/keys/asterisk.pem used by an
 * existing PJSIP TLS transport and by http/manager/sip, each part on its own port; pjsip.conf, manager.conf
 * and sip.conf 0640 root:somegroup, the key 0640 root:asterisk. The stand-in is started on it.
 */
async function pbx(
  o: { parts?: AsteriskPart[]; users?: boolean; transport?: boolean; serversOff?: boolean } = {},
): Promise<Pbx> {
  newPki();
  const parts = o.parts ?? ALL;
  const ports = Object.fromEntries(
    await Promise.all(ALL.map(async (p) => [p, await freePort()] as const)),
  ) as Record<AsteriskPart, number>;
  const parent = tempDir();
  chmodSync(parent, 0o755);
  const etc = join(parent, 'asterisk');
  const keys = join(etc, 'keys');
  mkdirSync(keys, { recursive: true });
  chmodSync(keys, 0o750);
  chownSync(keys, 0, ASTERISK_GID);
  const cert = join(keys, 'asterisk.pem');
  const key = join(keys, 'asterisk.key');
  writeFileSync(cert, read(pki.oldCert), { mode: 0o644 });
  writeFileSync(key, read(pki.oldKey));
  chmodSync(key, 0o640);
  chownSync(key, 0, ASTERISK_GID);
  const at = (p: AsteriskPart) => `127.0.0.1:${ports[p]}`;
  const files: Record<string, string> = {
    'pjsip.conf':
      o.transport === false
        ? sample('pjsip.conf.sample')
        : withTlsTransport(sample('pjsip.conf.sample'), at('pjsip'), cert, key, 'tlsv1_2'),
    'http.conf': sample('http.conf.sample')
      .replace(';enabled=yes', o.serversOff ? ';enabled=yes' : 'enabled=yes')
      .replace(
        '\n[general]\n',
        `\n${parts.includes('http') ? tcptls(at('http'), cert, key) : '[general]\n'}`,
      ),
    'manager.conf': sample('manager.conf.sample')
      .replace('enabled = no', o.serversOff ? 'enabled = no' : 'enabled = yes')
      .replace(
        '\n[general]\n',
        `\n${parts.includes('manager') ? tcptls(at('manager'), cert, key) : '[general]\n'}`,
      ),
    'sip.conf': sample('sip.conf.sample').replace(
      '\n[general]\n',
      `\n${parts.includes('sip') ? tcptls(at('sip'), cert, key) : '[general]\n'}`,
    ),
  };
  if (o.users) files['users.conf'] = '[general]\nhasvoicemail = yes\n';
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(etc, name), text);
    const secret = name !== 'http.conf';
    chmodSync(join(etc, name), secret ? 0o640 : 0o644);
    chownSync(join(etc, name), 0, secret ? SOME_GID : 0);
  }
  const standin = await startAsteriskStandin(etc, { sipReloadDelayMs: 1200 });
  standins.push(standin);
  for (const p of parts)
    if (o.serversOff && (p === 'http' || p === 'manager'))
      expect(await served(ports[p]), `${p} off before`).toBe('ECONNREFUSED');
    else expect(await served(ports[p]), `${p} before`).toBe(pki.oldFingerprint);
  return { etc, keys, ports, standin };
}

const state = snapshotWithModes;
const modes = (dir: string) =>
  Object.fromEntries(Object.entries(state(dir)).map(([p, v]) => [p, v.slice(0, v.indexOf(']') + 1)]));

const install = (p: Pbx, extra: Partial<Parameters<typeof installAsterisk>[0]> = {}) =>
  installAsterisk({
    lineage: 'pbx',
    names: ['pbx.example.test'],
    fullchainPath: pki.fullchain,
    keyPath: pki.key,
    configDir: p.etc,
    keysDir: p.keys,
    parts: ALL,
    asterisk: p.standin.binary,
    asteriskGid: ASTERISK_GID,
    backupRoot: join(tempDir(), 'backups'),
    ...extra,
  });

describe('the Asterisk stand-in behaves as the real Asterisk 20.20.1 was measured', () => {
  it('PJSIP: a changed cert_file path on an existing transport is ignored (old cert kept) unless allow_reload=yes', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const conf = join(p.etc, 'pjsip.conf');
    const moved = readFileSync(conf, 'utf8')
      .replace(/cert_file=.*/, `cert_file=${pki.fullchain}`)
      .replace(/priv_key_file=.*/, `priv_key_file=${pki.key}`);
    writeFileSync(conf, moved);
    expect(await p.standin.rx('module reload res_pjsip.so')).toMatch(/reloaded successfully/);
    expect(await served(p.ports.pjsip)).toBe(pki.oldFingerprint);
    expect(p.standin.messages()).toMatch(
      /Unable to restart TLS transport 'transport-tls' .*filename has changed/,
    );
    writeFileSync(conf, moved.replace('method=tlsv1_2\n', 'method=tlsv1_2\nallow_reload=yes\n'));
    await p.standin.rx('module reload res_pjsip.so');
    expect(await served(p.ports.pjsip)).toBe(pki.fingerprint);
  });

  it('PJSIP notices new files by size and mtime only: a same-size certificate put in place with the old mtime (cp -p) is ignored', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const cert = join(p.keys, 'asterisk.pem');
    const old = statSync(cert, { bigint: true });
    // the same certificate with one byte of its signature changed: same size, another fingerprint, same key
    const pem = read(pki.oldCert);
    const at = pem.lastIndexOf('-----END') - 6;
    const twin = pem.slice(0, at) + (pem[at] === 'A' ? 'B' : 'A') + pem.slice(at + 1);
    const twinFingerprint = new X509Certificate(twin).fingerprint256;
    expect(twinFingerprint).not.toBe(pki.oldFingerprint);
    const ref = join(tempDir(), 'stamp');
    writeFileSync(ref, '');
    execFileSync('touch', ['-r', cert, ref]); // coreutils keeps the nanoseconds, as cp -p does
    writeFileSync(cert, twin);
    execFileSync('touch', ['-r', ref, cert]);
    expect(statSync(cert, { bigint: true }).mtimeNs).toBe(old.mtimeNs);
    expect(statSync(cert).size).toBe(Number(old.size));
    await p.standin.rx('module reload res_pjsip.so');
    expect(await served(p.ports.pjsip)).toBe(pki.oldFingerprint); // ignored
    touchFile(cert);
    await p.standin.rx('module reload res_pjsip.so');
    expect(await served(p.ports.pjsip)).toBe(twinFingerprint); // a fresh mtime is noticed
  });

  it('asterisk -rx exits 0 always; `pjsip reload` and `reload` are "No such command"; a broken key is "reloaded successfully" and leaves the port bound with failing handshakes', async () => {
    const p = await pbx({ parts: ['pjsip', 'http'] });
    const rx = (cmd: string) => spawnSync(p.standin.binary, ['-rx', cmd], { encoding: 'utf8' });
    for (const cmd of ['pjsip reload', 'reload']) {
      const r = rx(cmd);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/No such command/);
    }
    writeFileSync(join(p.keys, 'asterisk.key'), read(pki.key)); // does not match asterisk.pem
    for (const [cmd, port] of [
      ['module reload res_pjsip.so', p.ports.pjsip],
      ['module reload http', p.ports.http],
    ] as const) {
      const r = rx(cmd);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/reloaded successfully/);
      expect(await served(port)).toMatch(/^E[A-Z]+$/); // bound: the handshake fails (not "ECONNREFUSED"?)
      expect(await served(port)).not.toBe('ECONNREFUSED');
    }
  });

  it('http and manager recover from a failed TLS load only once their .conf is touched; manager ignores reloads of an unchanged manager.conf', async () => {
    const p = await pbx({ parts: ['http', 'manager'] });
    const [cert, key] = [join(p.keys, 'asterisk.pem'), join(p.keys, 'asterisk.key')];
    writeFileSync(cert, read(pki.fullchain));
    writeFileSync(key, read(pki.key));
    await p.standin.rx('manager reload');
    expect(await served(p.ports.manager)).toBe(pki.oldFingerprint); // manager.conf unchanged
    touchFile(join(p.etc, 'manager.conf'));
    await p.standin.rx('manager reload');
    expect(await served(p.ports.manager)).toBe(pki.fingerprint);
    writeFileSync(key, read(pki.oldKey)); // broken pair
    await p.standin.rx('module reload http');
    expect(await served(p.ports.http)).not.toMatch(/:/);
    writeFileSync(key, read(pki.key)); // fixed
    await p.standin.rx('module reload http');
    expect(await served(p.ports.http)).not.toMatch(/:/); // still failing: http.conf unchanged
    touchFile(join(p.etc, 'http.conf'));
    await p.standin.rx('module reload http');
    expect(await served(p.ports.http)).toBe(pki.fingerprint);
  });

  it('a missing cert file: PJSIP retains the old transport, http loses TLS; at start-up broken files leave the port unbound; open connections survive reloads', async () => {
    const p = await pbx({ parts: ['pjsip', 'http'] });
    const open = await new Promise<TLSSocket>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: p.ports.pjsip, rejectUnauthorized: false }, () =>
        resolve(s),
      );
    });
    renameSync(join(p.keys, 'asterisk.pem'), join(p.keys, 'gone.pem'));
    await p.standin.rx('module reload res_pjsip.so');
    await p.standin.rx('module reload http');
    expect(p.standin.messages()).toMatch(/Retaining existing configuration/);
    expect(await served(p.ports.pjsip)).toBe(pki.oldFingerprint);
    expect(await served(p.ports.http)).not.toMatch(/:/);
    expect(open.destroyed).toBe(false);
    expect(open.getPeerX509Certificate()?.fingerprint256).toBe(pki.oldFingerprint);
    open.destroy();
    await p.standin.stop();
    const again = await startAsteriskStandin(p.etc);
    standins.push(again);
    expect(await served(p.ports.pjsip)).toBe('ECONNREFUSED');
    expect(await served(p.ports.http)).toBe('ECONNREFUSED');
  });

  it('chan_sip reloads asynchronously; with users.conf it ignores a reload while sip.conf is unchanged', async () => {
    const p = await pbx({ parts: ['sip'], users: true });
    writeFileSync(join(p.keys, 'asterisk.pem'), read(pki.fullchain));
    writeFileSync(join(p.keys, 'asterisk.key'), read(pki.key));
    await p.standin.rx('sip reload');
    expect(await served(p.ports.sip)).toBe(pki.oldFingerprint); // not yet
    await new Promise((r) => setTimeout(r, 2000));
    expect(await served(p.ports.sip)).toBe(pki.oldFingerprint); // never: users.conf exists
    touchFile(join(p.etc, 'sip.conf'));
    await p.standin.rx('sip reload');
    expect(await servedEventually(p.ports.sip, pki.fingerprint, 4000)).toBe(pki.fingerprint);
  });

  it('a misspelled option makes PJSIP reject the transport; http.conf warns; manager.conf ignores it silently', async () => {
    const p = await pbx({ parts: ['pjsip', 'http', 'manager'] });
    const edit = (f: string, from: RegExp, to: string) =>
      writeFileSync(join(p.etc, f), readFileSync(join(p.etc, f), 'utf8').replace(from, to));
    edit('pjsip.conf', /method=tlsv1_2\n/, 'method=tlsv1_2\ncertfile=/x.pem\n');
    await p.standin.rx('module reload res_pjsip.so');
    expect(p.standin.messages()).toMatch(
      /Could not find option suitable for category 'transport-tls' named 'certfile'/,
    );
    edit('http.conf', /tlsenable=yes\n/, 'tlsenable=yes\ntlscert=/x.pem\n');
    edit('manager.conf', /tlsenable=yes\n/, 'tlsenable=yes\ntlscert=/x.pem\n');
    await p.standin.rx('module reload http');
    touchFile(join(p.etc, 'manager.conf'));
    await p.standin.rx('manager reload');
    expect(p.standin.messages()).toMatch(/WARNING.*http\.c: Ignoring unknown option 'tlscert'/);
    expect(p.standin.messages()).not.toMatch(/manager\.c.*tlscert/);
  });
});

describe('certkit install asterisk against the stand-in', () => {
  it('existing transport with a self-signed cert at <etc>/keys/asterisk.pem: the new cert is served, the transport keeps its paths, modes and owners stay', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const conf = readFileSync(join(p.etc, 'pjsip.conf'), 'utf8');
    const before = modes(p.etc);
    const r = await install(p, { parts: ['pjsip'] });
    expect(await served(p.ports.pjsip)).toBe(pki.fingerprint);
    expect(readFileSync(join(p.etc, 'pjsip.conf'), 'utf8')).toBe(conf); // paths unchanged: nothing to edit
    expect(readFileSync(join(p.keys, 'asterisk.pem'), 'utf8')).toBe(read(pki.fullchain));
    expect(readFileSync(join(p.keys, 'asterisk.key'), 'utf8')).toBe(read(pki.key));
    expect(modes(p.etc)).toEqual(before); // 0640 root:asterisk key, 0640 root:somegroup pjsip.conf
    expect(r.verified).toEqual([`PJSIP [transport-tls] 127.0.0.1:${p.ports.pjsip}`]);
    expect(p.standin.messages()).not.toMatch(/filename has changed/);
  });

  it('an existing transport with method unset (TLS 1.0 only): method and allow_reload=yes set, said so, and the new cert is served over TLS 1.2', async () => {
    const p = await pbx({ parts: [] });
    const conf = join(p.etc, 'pjsip.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('method=tlsv1_2\n', ''));
    await p.standin.stop();
    const standin = await startAsteriskStandin(p.etc);
    standins.push(standin);
    expect(await served(p.ports.pjsip)).not.toMatch(/:/); // OpenSSL 3 refuses TLS 1.0
    const r = await install({ ...p, standin }, { parts: ['pjsip'] });
    expect(r.notes.join('\n')).toMatch(/PJSIP \[transport-tls\]: method was unset .*allow_reload=yes/);
    const t = parseAsterisk(readFileSync(conf, 'utf8')).sections.find(
      (x) => x.header.name === 'transport-tls',
    )!;
    expect(settingValue(t.lines, 'allow_reload')).toBe('yes');
    expect(settingValue(t.lines, 'cert_file')).toBe(join(p.keys, 'asterisk.pem'));
    expect(await served(p.ports.pjsip)).toBe(pki.fingerprint);
  });

  it('four parts, each on its own port, each verified on its own port; manager.conf touched before `manager reload`', async () => {
    const p = await pbx();
    const before = modes(p.etc);
    const mtime = statSync(join(p.etc, 'manager.conf')).mtimeMs;
    const r = await install(p);
    for (const part of ALL) expect(await served(p.ports[part]), part).toBe(pki.fingerprint);
    expect(r.verified.map((v) => v.split(' ').pop())).toEqual(
      ALL.map((part) => `127.0.0.1:${p.ports[part]}`),
    );
    expect(p.standin.commands()).toEqual([
      'module reload res_pjsip.so',
      'module reload http',
      'manager reload',
      'sip reload',
    ]);
    expect(statSync(join(p.etc, 'manager.conf')).mtimeMs).toBeGreaterThan(mtime);
    expect(modes(p.etc)).toEqual(before);
  });

  it('QA: --http --manager on the stock samples (http.conf ;enabled=yes, manager.conf enabled = no) switch the servers on, in the diff and the plan, so HTTPS and AMI-TLS listen', async () => {
    const p = await pbx({ parts: ['http', 'manager'], serversOff: true });
    const r = await install(p, { parts: ['http', 'manager'] });
    expect(r.notes.join('\n')).toMatch(/http\.conf: enabled=yes \(the HTTP server was off/);
    expect(r.notes.join('\n')).toMatch(
      /manager\.conf: enabled=yes \(AMI was off.*plain AMI listens on 127\.0\.0\.1:5038 only/,
    );
    for (const part of ['http', 'manager'] as const) {
      const g = parseAsterisk(readFileSync(join(p.etc, `${part}.conf`), 'utf8')).sections.find(
        (x) => x.header.name === 'general',
      )!;
      expect(settingValue(g.lines, 'enabled'), part).toBe('yes');
      // switching a server on never opens its plaintext side beyond loopback (the sample's AMI bindaddr is 0.0.0.0)
      expect(settingValue(g.lines, 'bindaddr'), part).toBe('127.0.0.1');
      expect(await served(p.ports[part]), part).toBe(pki.fingerprint);
    }
  });

  it('a renewal with unchanged configs reaches AMI and chan_sip (users.conf present): both serve the second certificate', async () => {
    const p = await pbx({ users: true });
    await install(p);
    const confs = ['manager.conf', 'sip.conf'].map((f) => readFileSync(join(p.etc, f), 'utf8'));
    const r = await install(p, { fullchainPath: pki.fullchain2, keyPath: pki.key2 });
    expect(r.changed.sort()).toEqual([join(p.keys, 'asterisk.key'), join(p.keys, 'asterisk.pem')]);
    for (const part of ALL) expect(await served(p.ports[part]), part).toBe(pki.fingerprint2);
    expect(['manager.conf', 'sip.conf'].map((f) => readFileSync(join(p.etc, f), 'utf8'))).toEqual(confs);
  });

  it('http whose last TLS load failed: the install touches http.conf, so the new cert is loaded', async () => {
    const p = await pbx({ parts: ['http'] });
    writeFileSync(join(p.keys, 'asterisk.key'), read(pki.key)); // the PBX's pair is broken
    await p.standin.rx('module reload http');
    expect(await served(p.ports.http)).not.toMatch(/:/);
    await install(p, { parts: ['http'] });
    expect(await served(p.ports.http)).toBe(pki.fingerprint);
  });

  it('a broken new key is refused before any write; the PBX keeps serving its old cert', async () => {
    const p = await pbx({ parts: ['pjsip', 'http'] });
    const before = state(p.etc);
    await expect(install(p, { parts: ['pjsip', 'http'], keyPath: pki.oldKey })).rejects.toThrow(
      /refused before any reload: the key .* does not match/,
    );
    expect(state(p.etc)).toEqual(before);
    expect(p.standin.commands()).toEqual([]);
    expect(await served(p.ports.pjsip)).toBe(pki.oldFingerprint);
  });

  it('a reload that leaves a part on the old cert rolls everything back (bytes, modes, owners) and every part serves the old cert again', async () => {
    const p = await pbx();
    const before = state(p.etc);
    // an Asterisk whose AMI does not reload (as with an unchanged manager.conf)
    const deafAmi = join(tempDir(), 'asterisk');
    writeFileSync(
      deafAmi,
      `#!/bin/sh\n[ "$2" = "manager reload" ] && exit 0\nexec "${p.standin.binary}" "$@"\n`,
    );
    chmodSync(deafAmi, 0o755);
    const err = await install(p, { asterisk: deafAmi, verifyTimeoutMs: 3000 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(
        `manager\\.conf on 127\\.0\\.0\\.1:${p.ports.manager} serves .*not the new certificate.*every file was restored.*every part serves its old certificate again`,
      ),
    );
    expect(state(p.etc)).toEqual(before);
    for (const part of ALL) expect(await served(p.ports[part]), part).toBe(pki.oldFingerprint);
  });

  it('--pjsip-bind moves an existing transport (allow_reload=yes, said); when a rollback cannot move it back, the error says so', async () => {
    const p = await pbx({ parts: ['pjsip', 'manager'] });
    const moved = await freePort();
    const ok = await install(p, { parts: ['pjsip'], pjsipBind: `127.0.0.1:${moved}` });
    expect(ok.notes.join('\n')).toMatch(/bind changes to 127\.0\.0\.1:\d+; set allow_reload=yes/);
    expect(await served(moved)).toBe(pki.fingerprint);
    // a second PBX, same move, and a part that fails: PJSIP cannot be moved back without a restart
    const q = await pbx({ parts: ['pjsip', 'manager'] });
    const deafAmi = join(tempDir(), 'asterisk');
    writeFileSync(
      deafAmi,
      `#!/bin/sh\n[ "$2" = "manager reload" ] && exit 0\nexec "${q.standin.binary}" "$@"\n`,
    );
    chmodSync(deafAmi, 0o755);
    const before = state(q.etc);
    const err = await install(q, {
      parts: ['pjsip', 'manager'],
      pjsipBind: `127.0.0.1:${await freePort()}`,
      asterisk: deafAmi,
      verifyTimeoutMs: 2000,
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      new RegExp(
        `NOT back to the old certificate: PJSIP \\[transport-tls\\] on 127\\.0\\.0\\.1:${q.ports.pjsip} completes no TLS handshake`,
      ),
    );
    expect(state(q.etc)).toEqual(before);
    expect(await served(q.ports.manager)).toBe(pki.oldFingerprint);
  });

  it('files certkit creates must be readable by the asterisk group; files it overwrites keep the access they had', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const key = join(p.keys, 'asterisk.key');
    chownSync(key, 0, 0);
    chmodSync(key, 0o600); // root-only, as on a PBX where Asterisk runs as root: it works, so it stays
    await install(p, { parts: ['pjsip'] });
    expect(await served(p.ports.pjsip)).toBe(pki.fingerprint);
    expect(modes(p.keys)[key]).toBe('[600 0:0]');
    const q = await pbx({ parts: [], transport: false });
    const locked = join(q.etc, 'private');
    mkdirSync(locked, { mode: 0o700 });
    const before = state(q.etc);
    await expect(
      install(q, {
        parts: ['pjsip'],
        keysDir: join(locked, 'keys'),
        pjsipBind: `127.0.0.1:${q.ports.pjsip}`,
      }),
    ).rejects.toThrow(/the asterisk group cannot read .*private.*every file was restored/);
    expect(state(q.etc)).toEqual(before);
  });

  it('an Asterisk without chan_sip (21+): `sip reload` is "No such command", said plainly, every file restored', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    await p.standin.stop();
    const standin = await startAsteriskStandin(p.etc, { chanSip: false });
    standins.push(standin);
    const before = state(p.etc);
    await expect(install({ ...p, standin }, { parts: ['pjsip', 'sip'] })).rejects.toThrow(
      /asterisk -rx 'sip reload': No such command .*not have that module loaded.*every file was restored.*every part that answered TLS before serves its old certificate again/,
    );
    expect(state(p.etc)).toEqual(before);
    expect(await served(p.ports.pjsip)).toBe(pki.oldFingerprint);
  });

  it('Asterisk not running: said plainly, every file restored', async () => {
    const p = await pbx({ parts: ['pjsip', 'manager'] });
    await p.standin.stop();
    const before = state(p.etc);
    await expect(install(p, { parts: ['pjsip', 'manager'] })).rejects.toThrow(
      /Asterisk is not running \(asterisk -rx: Unable to connect to remote asterisk.*every file was restored.*it reads the restored files when it starts/,
    );
    expect(state(p.etc)).toEqual(before);
  });

  it("chan_sip may not share PJSIP's port: a collision is refused clearly, nothing written", async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const before = state(p.etc);
    await expect(
      install(p, { parts: ['pjsip', 'sip'], sipBind: `127.0.0.1:${p.ports.pjsip}` }),
    ).rejects.toThrow(/PJSIP \[transport-tls\] .* and sip\.conf .* would listen on the same port/);
    expect(state(p.etc)).toEqual(before);
  });

  it('a misspelled transport option is refused before any write, naming it', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const conf = join(p.etc, 'pjsip.conf');
    writeFileSync(
      conf,
      readFileSync(conf, 'utf8').replace('method=tlsv1_2\n', 'method=tlsv1_2\nprivkey_file=/x\n'),
    );
    const before = state(p.etc);
    await expect(install(p, { parts: ['pjsip'] })).rejects.toThrow(
      /"privkey_file", which PJSIP does not know/,
    );
    expect(state(p.etc)).toEqual(before);
  });

  it('no TLS transport: one managed transport via #tryinclude; the second run does not claim to add it; dry-run shows no key', async () => {
    const p = await pbx({ parts: [], transport: false });
    const dry = await install(p, { parts: ['pjsip'], pjsipBind: `127.0.0.1:${p.ports.pjsip}`, dryRun: true });
    expect(dry.diff).toMatch(/\+\[transport-tls-certkit\]/);
    expect(dry.diff).not.toMatch(/PRIVATE KEY/);
    expect(dry.diff).not.toContain(read(pki.key).split('\n')[1]);
    expect(dry.diff).toMatch(/<private key, public key sha256 [0-9a-f]{16}…>/);
    const first = await install(p, { parts: ['pjsip'], pjsipBind: `127.0.0.1:${p.ports.pjsip}` });
    expect(first.notes.join('\n')).toMatch(/adding \[transport-tls-certkit\]/);
    expect(await served(p.ports.pjsip)).toBe(pki.fingerprint);
    expect(statSync(join(p.keys, 'pbx.key')).mode & 0o777).toBe(0o640);
    expect(statSync(join(p.keys, 'pbx.key')).gid).toBe(ASTERISK_GID);
    expect(statSync(join(p.etc, 'pjsip_certkit.conf')).mode & 0o777).toBe(0o640); // like pjsip.conf
    const second = await install(p, { parts: ['pjsip'], pjsipBind: `127.0.0.1:${p.ports.pjsip}` });
    expect(second.notes.join('\n')).not.toMatch(/adding/);
    expect(second.noop).toBe(true);
    expect(second.verified).toHaveLength(1);
  });
});

/** A store holding the test certificate as lineage "pbx", and the install arguments for this PBX's PJSIP. */
function imported(p: Pbx) {
  const store = join(tempDir(), 'store');
  certkit(['--store', store, 'import', '--cert', pki.fullchain, '--key', pki.key, '--name', 'pbx']);
  const args = [
    'install',
    'asterisk',
    '--name',
    'pbx',
    '--config-dir',
    p.etc,
    '--keys-dir',
    p.keys,
    '--pjsip',
  ];
  return { store, args };
}

describe('certkit install asterisk / renew (CLI) against the stand-in', () => {
  let pebble: Pebble | undefined;
  afterAll(async () => pebble?.stop());

  it('renew --force replays the install: every part serves the renewed certificate on its own port', async () => {
    pebble = await startPebble();
    const p = await pbx();
    const before = modes(p.etc);
    const store = join(tempDir(), 'store');
    const ck = (args: string[]) =>
      certkitAsync(['--store', store, ...args], { env: pebble!.env, timeoutMs: 90_000 });
    const req = await ck([
      'request',
      'pbx.example.test',
      '--server',
      pebble.directoryUrl,
      '--standalone',
      '--http-port',
      String(pebble.httpPort),
      '--http-address',
      '127.0.0.1',
      '--agree-tos',
      '--email',
      'ops@example.test',
    ]);
    expect(req.code, req.stderr).toBe(0);
    const live = join(store, 'live', 'pbx.example.test', 'cert.pem');
    const first = new X509Certificate(readFileSync(live)).fingerprint256;
    const inst = await ck([
      '--json',
      'install',
      'asterisk',
      '--name',
      'pbx.example.test',
      '--config-dir',
      p.etc,
      '--keys-dir',
      p.keys,
      '--pjsip',
      '--http',
      '--manager',
      '--sip',
      '--asterisk',
      p.standin.binary,
      '--yes',
    ]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(JSON.parse(inst.stdout).verified).toHaveLength(4);
    for (const part of ALL) expect(await served(p.ports[part]), part).toBe(first);
    const renew = await ck(['renew', '--name', 'pbx.example.test', '--force', '--no-jitter']);
    expect(renew.code, renew.stderr).toBe(0);
    const renewed = new X509Certificate(readFileSync(live)).fingerprint256;
    expect(renewed).not.toBe(first);
    for (const part of ALL) expect(await served(p.ports[part]), part).toBe(renewed);
    expect(p.standin.commands().filter((c) => c === 'manager reload')).toHaveLength(2);
    expect(modes(p.etc)).toEqual(before);
  });

  it('without an Asterisk binary: files written, the reload skipped and said so; --dry-run prints no key material', async () => {
    const p = await pbx({ parts: ['pjsip'] });
    await p.standin.stop();
    const { store, args } = imported(p);
    const dry = certkit(['--store', store, ...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/<private key, public key sha256 [0-9a-f]{16}…>/);
    expect(dry.stdout).not.toMatch(/PRIVATE KEY/);
    const r = certkit(['--json', '--store', store, ...args, '--asterisk', '/nonexistent/asterisk']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.reloadSkipped).toBe(true);
    expect(out.notes.join(' ')).toMatch(/reload was skipped/);
    expect(readFileSync(join(p.keys, 'asterisk.pem'), 'utf8')).toBe(read(pki.fullchain));
  });

  it("--sip-bind on PJSIP's port is refused with one clear line (exit 2), nothing written", async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const before = state(p.etc);
    const { store, args } = imported(p);
    const r = certkit([
      '--store',
      store,
      ...args,
      '--sip',
      '--sip-bind',
      `0.0.0.0:${p.ports.pjsip}`,
      '--asterisk',
      p.standin.binary,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^certkit: .*would listen on the same port.*--sip-bind/);
    expect(state(p.etc)).toEqual(before);
  });

  it("QA: a TLS bind on the same part's plain port, or a bind that is not an IP address, is one line, exit 2, nothing written", async () => {
    const p = await pbx({ parts: ['pjsip'] });
    const before = state(p.etc);
    const { store, args } = imported(p);
    const cases: [string[], RegExp][] = [
      [
        ['--http', '--http-bind', '127.0.0.1:8088'],
        /http\.conf: TLS \(127\.0\.0\.1:8088\) and the plain HTTP listener \(127\.0\.0\.1:8088\) would share a port/,
      ],
      [
        ['--manager', '--manager-bind', '0.0.0.0:5038'],
        /manager\.conf: TLS \(0\.0\.0\.0:5038\) and the plain AMI listener \([\d.]+:5038\) would share a port/,
      ],
      [['--pjsip-bind', '999.1.1.1:5061'], /--pjsip-bind 999\.1\.1\.1:5061: not an IP address\[:port\]/],
      [['--pjsip-bind', 'pbx.example.test:5061'], /not an IP address\[:port\]/],
      [['--sip-bind', '0.0.0.0:5070'], /--sip-bind 0\.0\.0\.0:5070 was given, but sip is not being set up/],
    ];
    for (const [extra, message] of cases) {
      const r = certkit(['--store', store, ...args, ...extra, '--asterisk', p.standin.binary]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(state(p.etc)).toEqual(before);
  });
});
