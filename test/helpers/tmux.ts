/**
 * Drives a real terminal program through tmux: type keys, wait for text on the screen. Every session runs on its
 * own tmux server (its own socket): test files run in parallel, and a shared default server that exits when one
 * file kills its last session ("server exited unexpectedly") would take the other files' sessions with it.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

let counter = 0;

export class TmuxSession {
  constructor(
    readonly name: string,
    private readonly socket: string,
  ) {}

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args]).toString();
  }

  static start(name: string, command: string, env: Record<string, string> = {}): TmuxSession {
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}='${v.replace(/'/g, "'\\''")}';`)
      .join(' ');
    const session = new TmuxSession(name, `certkit-test-${process.pid}-${++counter}`);
    session.tmux([
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      '160',
      '-y',
      '60',
      `${exports} ${command}; echo "[exit $?]"; sleep 60`,
    ]);
    return session;
  }

  screen(): string {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', this.name]);
  }

  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  type(text: string): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* gone */
    }
    const dir = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    rmSync(join(dir, this.socket), { force: true });
  }
}
