/** The account questions of `certkit request` in a real terminal (tmux), against a real Pebble. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { TmuxSession } from '../helpers/tmux.js';

let pebble: Pebble;
let session: TmuxSession | undefined;
beforeAll(async () => (pebble = await startPebble()));
afterAll(async () => pebble?.stop());
afterEach(() => session?.kill());

async function start(tag: string, dir: string, name: string): Promise<TmuxSession> {
  const launch = () =>
    TmuxSession.start(
      `ck-req-${tag}-${process.pid}`,
      `${process.execPath} ${BIN} --store ${dir}/store request ${name} --server ${pebble.directoryUrl} --http-port ${pebble.httpPort}`,
      { ...pebble.env, NO_COLOR: '1', CERTKIT_SCHEDULE_ROOT: join(dir, 'root') },
    );
  try {
    return launch();
  } catch {
    // the tmux server may be exiting after the previous test killed its last session: start again
    await new Promise((r) => setTimeout(r, 300));
    return launch();
  }
}

describe('certkit request on a terminal: the account questions', () => {
  it('asks for the contact e-mail and the terms (with their URL from the directory), then issues', async () => {
    const dir = tempDir();
    session = await start('ok', dir, 'pty.request.test');
    await session.waitFor(/Contact e-mail for the CA account/);
    session.type('ops@pty.example.test');
    session.keys('Enter');
    const terms = await session.waitFor(/Do you agree to the CA's terms of service at \S+\?/);
    expect(terms).toMatch(/terms of service at data:text\/plain,/); // Pebble's termsOfService
    session.type('y');
    session.keys('Enter');
    const screen = await session.waitFor(/\[exit \d+\]/, 60_000);
    expect(screen).toMatch(/\[exit 0\]/);
    expect(screen).toMatch(/certificate for pty\.request\.test is live/);
    const accounts = join(dir, 'store', 'accounts');
    const [acct] = readdirSync(accounts);
    expect(readFileSync(join(accounts, acct!, 'account.json'), 'utf8')).toMatch(
      /mailto:ops@pty\.example\.test/,
    );
  }, 90_000);

  it('Ctrl-C at a question: cancelled, nothing written', async () => {
    const dir = tempDir();
    session = await start('cc', dir, 'pty.cancel.test');
    await session.waitFor(/Contact e-mail for the CA account/);
    session.keys('C-c');
    const screen = await session.waitFor(/\[exit \d+\]/);
    expect(screen).toMatch(/cancelled; nothing was done/);
    expect(screen).toMatch(/\[exit 130\]/);
    expect(existsSync(join(dir, 'store', 'live'))).toBe(false);
  });
});
