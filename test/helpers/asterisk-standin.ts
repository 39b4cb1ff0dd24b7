/**
 * The suite's Asterisk STAND-IN (Asterisk cannot be installed here): a daemon process modelling the TLS
 * behaviour measured on a real Asterisk 20.20.1 (see asterisk-standin.mjs for the list), and an executable
 * `asterisk` wrapper (`asterisk -rx "..."`, `asterisk -V`) to hand to certkit as --asterisk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { issue, makeRoot, read, selfSigned, tempDir } from './openssl.js';

const SCRIPT = join(import.meta.dirname, 'asterisk-standin.mjs');

export interface AsteriskStandin {
  configDir: string;
  /** executable `asterisk` for this instance: give it to certkit as --asterisk */
  binary: string;
  /** what the stand-in logged (like /var/log/asterisk/messages) */
  messages(): string;
  /** every `asterisk -rx` command received, in order */
  commands(): string[];
  rx(command: string): Promise<string>;
  stop(): Promise<void>;
}

/** Daemons still running when the test process exits are killed: none is left behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startAsteriskStandin(
  configDir: string,
  opts: { sipReloadDelayMs?: number; chanSip?: boolean } = {},
): Promise<AsteriskStandin> {
  const dir = tempDir('asterisk-standin-');
  const ctl = join(dir, 'asterisk.ctl');
  const binary = join(dir, 'asterisk');
  writeFileSync(binary, `#!/bin/sh\nexec "${process.execPath}" "${SCRIPT}" --ctl "${ctl}" "$@"\n`);
  chmodSync(binary, 0o755);
  const child = spawn(
    process.execPath,
    [SCRIPT, '--daemon', '--config-dir', configDir, '--ctl', ctl, '--log-dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        SIP_RELOAD_DELAY_MS: String(opts.sipReloadDelayMs ?? 1500),
        STANDIN_CHAN_SIP: opts.chanSip === false ? 'no' : 'yes',
      },
    },
  );

  running.add(child);
  child.once('exit', () => running.delete(child));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`asterisk stand-in exited ${code} at start-up`)));
  });
  const run = (args: string[]) =>
    new Promise<string>((resolve) => {
      const c = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      c.on('close', () => resolve(out.trim()));
    });
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  return {
    configDir,
    binary,
    messages: () => read('messages'),
    commands: () => read('commands').split('\n').filter(Boolean),
    rx: (command) => run(['-rx', command]),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The SHA-256 fingerprint served on host:port, or the handshake's error code ("ECONNRESET", "ECONNREFUSED", ...). */
export function served(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, rejectUnauthorized: false, timeout: 3000 }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256 ?? 'no certificate';
      s.destroy();
      resolve(fp);
    });
    s.on('timeout', () => (s.destroy(), resolve('timeout')));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Waits until `port` serves `expected` (chan_sip reloads asynchronously), up to timeoutMs. */
export async function servedEventually(port: number, expected: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fp = await served(port);
    if (fp === expected || Date.now() > deadline) return fp;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Pki {
  dir: string;
  /** the new certificate for pbx.example.test: full chain, key, leaf and intermediate files */
  fullchain: string;
  key: string;
  leaf: string;
  int: string;
  fingerprint: string;
  /** a second leaf for the same name (a "renewal" without a CA) */
  fullchain2: string;
  key2: string;
  fingerprint2: string;
  /** the self-signed certificate a PBX was set up with by hand */
  oldCert: string;
  oldKey: string;
  oldFingerprint: string;
}

const fingerprintOf = (pemFile: string) => new X509Certificate(readFileSync(pemFile)).fingerprint256;

export function makePki(): Pki {
  const dir = tempDir();
  const root = makeRoot(dir);
  const int = issue(dir, 'int', root, { cn: 'Asterisk Test Intermediate', ca: true });
  const leaf = issue(dir, 'pbx', int, { cn: 'pbx.example.test', sans: ['pbx.example.test'], key: 'ec256' });
  const leaf2 = issue(dir, 'pbx2', int, { cn: 'pbx.example.test', sans: ['pbx.example.test'], key: 'ec256' });
  writeFileSync(join(dir, 'fullchain.pem'), read(leaf.certFile) + read(int.certFile));
  writeFileSync(join(dir, 'fullchain2.pem'), read(leaf2.certFile) + read(int.certFile));
  // what a PBX set up by hand has (e.g. Asterisk's ast_tls_cert): self-signed, no key usage restrictions
  const old = selfSigned(join(dir, 'asterisk.key'), join(dir, 'asterisk.pem'), 'pbx.example.test');
  return {
    dir,
    fullchain: join(dir, 'fullchain.pem'),
    key: leaf.keyFile,
    leaf: leaf.certFile,
    int: int.certFile,
    fingerprint: fingerprintOf(leaf.certFile),
    fullchain2: join(dir, 'fullchain2.pem'),
    key2: leaf2.keyFile,
    fingerprint2: fingerprintOf(leaf2.certFile),
    oldCert: old.certFile,
    oldKey: old.keyFile,
    oldFingerprint: fingerprintOf(old.certFile),
  };
}
