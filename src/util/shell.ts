import { spawn } from 'node:child_process';

/** Secrets certkit reads from the environment never reach user commands (hooks). */
export const SECRET_ENV = ['CERTKIT_PASSWORD', 'CERTKIT_PASSPHRASE', 'CERTKIT_EAB_HMAC_KEY'];

function inheritedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET_ENV.includes(k)));
}

/** Runs a user-supplied command line through /bin/sh with extra environment; never throws. */
export function runShell(
  cmd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', cmd], {
      env: { ...inheritedEnv(process.env), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, output: output.trim() });
    });
    child.on('error', () => resolve({ code: -1, signal: null, output: 'could not run /bin/sh' }));
  });
}
