/** Drives a real terminal program through tmux: type keys, wait for text on the screen. */
import { execFileSync } from 'node:child_process';

export class TmuxSession {
  constructor(readonly name: string) {}

  static start(name: string, command: string, env: Record<string, string> = {}): TmuxSession {
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}='${v.replace(/'/g, "'\\''")}';`)
      .join(' ');
    execFileSync('tmux', [
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
    return new TmuxSession(name);
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-J', '-S', '-200', '-t', this.name]).toString();
  }

  keys(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  type(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
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
      execFileSync('tmux', ['kill-session', '-t', this.name]);
    } catch {
      /* gone */
    }
  }
}
