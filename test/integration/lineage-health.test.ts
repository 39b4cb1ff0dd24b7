/**
 * Issue 14 item 2 (store) and issue 15 item 3 (schemas): nothing is skipped silently. Before, a corrupt
 * settings.json, a lineage directory replaced by a file, or a store the cron user cannot read made `renew`
 * exit 0 with nothing done and `list` say "no lineages"; a config value of the wrong type was exit 70.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, certkitAsync, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

let pebble: Pebble;
let pristine: string; // a store with one ACME lineage "ok.test", copied for each case
const NAME = 'ok.test';

const ck = (store: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  certkitAsync(['--store', store, ...args], { env: { ...pebble.env, ...env } });

function copyStore(): string {
  const store = join(tempDir(), 'store');
  cpSync(pristine, store, { recursive: true, verbatimSymlinks: true });
  return store;
}
const settingsFile = (store: string) => join(store, 'lineages', NAME, 'settings.json');
const oneLine = (r: CliResult) => expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);

beforeAll(async () => {
  pebble = await startPebble();
  pristine = join(tempDir(), 'store');
  const r = await certkitAsync(['--store', pristine, 'request', NAME, ...standaloneArgs(pebble)], {
    env: pebble.env,
  });
  if (r.code !== 0) throw new Error(r.stderr);
}, 60_000);
afterAll(async () => pebble?.stop());

describe('a lineage certkit cannot use is never skipped silently', () => {
  it('settings.json hand-edited to garbage: renew exit 1 naming it, list BROKEN, revoke exit 2 with file:line', async () => {
    const store = copyStore();
    writeFileSync(settingsFile(store), '{\n  "name": "ok.test",\n  garbage\n}\n');
    const renew = await ck(store, ['renew', '--no-jitter']);
    expect(renew.code).toBe(1);
    oneLine(renew);
    expect(renew.stderr).toContain(`lineage "${NAME}" is broken: ${settingsFile(store)}:3: not valid JSON`);
    const list = await ck(store, ['list']);
    expect(list.code).toBe(1);
    expect(list.stdout).toMatch(/ok\.test .*BROKEN/);
    const listed = await ck(store, ['--json', 'list']);
    expect(listed.code).toBe(1); // as the table (QA round 2: --json said 0)
    const json = JSON.parse(listed.stdout);
    expect(json.lineages[0]).toMatchObject({ name: NAME, broken: true });
    const revoke = await ck(store, ['revoke', '--name', NAME, '--yes']);
    expect(revoke.code).toBe(2);
    oneLine(revoke);
    expect(revoke.stderr).toContain(`${settingsFile(store)}:3: not valid JSON`);
  });

  it('a settings.json field of the wrong type: exit 2 naming the file and the field', async () => {
    const store = copyStore();
    const s = JSON.parse(readFileSync(settingsFile(store), 'utf8'));
    s.acme.challenge = { type: 'standalone', port: 'eighty', address: '' };
    writeFileSync(settingsFile(store), JSON.stringify(s));
    const r = await ck(store, ['revoke', '--name', NAME, '--dry-run']);
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.stderr).toMatch(
      new RegExp(
        `^certkit: ${settingsFile(store).replace(/\./g, '\\.')}: "acme\\.challenge\\.port" must be a number, not "eighty"`,
      ),
    );
    expect((await ck(store, ['renew', '--no-jitter'])).stderr).toContain('acme.challenge.port');
  });

  it('a lineage directory replaced by a file: renew exit 1 naming it; list BROKEN', async () => {
    const store = copyStore();
    const dir = join(store, 'lineages', NAME);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'oops');
    const renew = await ck(store, ['renew', '--no-jitter', '--force']);
    expect(renew.code).toBe(1);
    oneLine(renew);
    expect(renew.stderr).toContain(`lineage "${NAME}" is broken: ${dir} is not a directory`);
    const named = await ck(store, ['renew', '--no-jitter', '--name', NAME]);
    expect(named.code).toBe(1);
    expect((await ck(store, ['list'])).stdout).toMatch(/BROKEN/);
  });

  it('settings.json missing: an error naming it; a complete copy left by a killed writer is recovered and renewed', async () => {
    const store = copyStore();
    const file = settingsFile(store);
    const saved = readFileSync(file, 'utf8');
    rmSync(file);
    const missing = await ck(store, ['renew', '--no-jitter', '--force']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${file} is missing`);
    // a writer (pid 999999: gone) wrote the complete temp file and was killed before the rename
    writeFileSync(join(store, 'lineages', NAME, '.settings.json.tmp-999999-0badc0de'), saved);
    writeFileSync(join(store, 'lineages', NAME, '.settings.json.tmp-999998-00000000'), '{"schemaV');
    writeFileSync(join(store, 'lineages', NAME, '.renew.lock.999999.abc'), '999999\n');
    writeFileSync(join(store, '.lock.stale-999999'), '999999\n');
    const renewed = await ck(store, ['renew', '--no-jitter', '--force']);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('"source": "acme"');
    // the leftovers of killed writers and lock takers are swept
    expect(readdirSync(join(store, 'lineages', NAME)).filter((e) => e.startsWith('.'))).toEqual([]);
    expect(existsSync(join(store, '.lock.stale-999999'))).toBe(false);
  });

  it('settings are written before the version goes live: when they cannot be written, nothing goes live', async () => {
    const store = copyStore();
    // a directory where settings.json belongs: renaming the new settings into place fails
    rmSync(settingsFile(store));
    mkdirSync(settingsFile(store));
    const r = await ck(store, ['request', NAME, ...standaloneArgs(pebble), '--force']);
    expect(r.code, r.stderr).toBe(8);
    oneLine(r);
    expect(r.stderr).toMatch(/a directory is in the way \(EISDIR\)/);
    expect(readdirSync(join(store, 'lineages', NAME, 'versions')).filter((e) => /^\d+$/.test(e))).toEqual([
      '0001',
    ]);
  });

  it('a store the cron user cannot read: list and renew exit 8 with the path', () => {
    const store = copyStore();
    chmodSync(join(store, 'lineages'), 0o700); // root's; the run below is "nobody"
    for (const args of [['list'], ['renew', '--no-jitter']]) {
      const r = spawnSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          BIN,
          '--store',
          store,
          ...args,
        ],
        { env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(r.status, r.stderr.toString()).toBe(8);
      expect(r.stderr.toString().trim()).toMatch(
        new RegExp(`^certkit: .*${store.replace(/\./g, '\\.')}.*permission denied \\(EACCES\\)`),
      );
      expect(r.stderr.toString().trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('the config file is validated (issue 15 item 3)', () => {
  const run = async (config: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), config);
    return {
      file: join(dir, 'config.json'),
      r: await ck(join(dir, 'store'), ['--config', join(dir, 'config.json'), 'list']),
    };
  };
  it('a value of the wrong type: exit 2 naming the file and the field', async () => {
    const { file, r } = await run('{"check": {"warnDays": "thirty"}}');
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.stderr).toContain(`${file}: "check.warnDays" must be a number, not "thirty"`);
  });
  it('an unknown key (a typo) is reported with the likely meant one', async () => {
    const { file, r } = await run('{"stor": "/srv/certkit"}');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: unknown field "stor" (did you mean "store"?)`);
    const nested = await run('{"email": {"hots": "smtp.example.com"}}');
    expect(nested.r.stderr).toContain('unknown field "email.hots" (did you mean "email.host"?)');
  });
});
