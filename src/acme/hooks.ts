/**
 * The per-lineage deploy hook: `sh -c CMD` after a new version went live, with
 *   CERTKIT_LINEAGE, CERTKIT_LIVE_DIR, CERTKIT_DOMAINS (space-separated), CERTKIT_VERSION.
 */
import { spawn } from 'node:child_process';
import { CertkitError } from '../errors.js';

export function runDeployHook(cmd: string, env: Record<string, string>, timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const last = output.trim().split('\n').pop();
        reject(
          new CertkitError(
            'deploy',
            `the deploy hook failed (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`,
            'the new certificate is live in the store; fix the hook and run it by hand',
          ),
        );
      }
    });
  });
}
