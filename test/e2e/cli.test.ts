import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, certkit } from '../helpers/cli.js';
import { selfSignedLeaf, tempDir } from '../helpers/openssl.js';

/** Runs certkit with a preload that reports every CommonJS module loaded. */
function loadedModules(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['-r', join(ROOT, 'test/helpers/dump-modules.cjs'), BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  expect(r.status).toBe(0);
  return (r.output[3]?.toString() ?? '').split('\n');
}

describe('CLI shell', () => {
  it('--version prints the version from package.json', () => {
    const r = certkit(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  for (const args of [['--version'], ['--help']]) {
    it(`${args[0]} loads neither acme-client, nodemailer nor node-forge`, () => {
      const mods = loadedModules(args);
      if (args[0] === '--version')
        // answered by bin/certkit.cjs before the CLI loads: no package at all (the --help case shows the probe works)
        expect(mods.filter((m) => m.includes('/node_modules/'))).toEqual([]);
      else expect(mods.some((m) => m.includes('commander'))).toBe(true); // the probe works
      for (const heavy of ['acme-client', 'nodemailer', 'node-forge', '@peculiar']) {
        expect(mods.filter((m) => m.includes(`/node_modules/${heavy}`))).toEqual([]);
      }
    });
  }

  it('--help teaches: every command listed with an example, and the exit codes', () => {
    const r = certkit(['--help']);
    expect(r.stdout).toMatch(/Examples/);
    expect(r.stdout).toMatch(/Exit codes/);
    const commands = [...r.stdout.matchAll(/^ {2}([a-z]+) /gm)]
      .map((m) => m[1])
      .filter((c) => c !== 'help' && c !== 'certkit');
    expect(commands.length).toBeGreaterThan(1);
    for (const c of commands) {
      const sub = certkit([c!, '--help']);
      expect(sub.code, c).toBe(0);
      expect(sub.stdout, c).toMatch(/Examples:\n {2}certkit /);
    }
  });

  it('a broken config file is one line naming the file and line, exit 2', () => {
    const f = join(tempDir(), 'cfg.json');
    writeFileSync(f, '{\n  "store": "/tmp/x",\n  oops\n}\n');
    const r = certkit(['--config', f, 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^certkit: ${f}:3: not valid JSON`));
  });

  it('the config file sets the store', () => {
    const dir = tempDir();
    const f = join(dir, 'cfg.json');
    writeFileSync(f, JSON.stringify({ store: join(dir, 'store-from-config') }));
    mkdirSync(join(dir, 'store-from-config')); // list needs the store to exist (a mistyped path is an error)
    const r = certkit(['--config', f, '--json', 'list']);
    expect(JSON.parse(r.stdout).store).toBe(join(dir, 'store-from-config'));
  });

  it('no colour escapes when NO_COLOR is set or output is not a TTY (and colour on a TTY without it)', () => {
    // `script` (util-linux) gives certkit a real terminal, where it colours inspect's output
    const dir = tempDir();
    const cert = selfSignedLeaf(dir, 'leaf', 'color.example.test');
    const onTty = (noColor: boolean) => {
      const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
      delete env.NO_COLOR;
      if (noColor) env.NO_COLOR = '1';
      const cmd = `${process.execPath} ${BIN} inspect ${cert.certFile}`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { env, encoding: 'utf8' });
      if (r.error) throw new Error('script is missing: install the Debian package "bsdutils"');
      expect(r.status).toBe(0);
      return r.stdout;
    };
    expect(onTty(false)).toMatch(/\x1b\[/); // so the check below can fail
    expect(onTty(true)).not.toMatch(/\x1b\[/);
    expect(certkit(['inspect', cert.certFile], { env: { NO_COLOR: '' } }).stdout).not.toMatch(/\x1b\[/); // not a TTY
  });

  it('--json: a usage error is JSON on stderr too', () => {
    const r = certkit(['--json', 'list', '--bogus']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: { kind: 'usage', message: expect.stringMatching(/--bogus/) },
    });
  });
});
