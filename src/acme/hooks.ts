/**
 * The per-lineage deploy hook: `sh -c CMD` after a new version went live, with
 *   CERTKIT_LINEAGE, CERTKIT_LIVE_DIR, CERTKIT_DOMAINS (space-separated), CERTKIT_VERSION.
 */
import { runShell } from '../util/shell.js';
import { CertkitError } from '../errors.js';

export async function runDeployHook(
  cmd: string,
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<void> {
  const r = await runShell(cmd, env, timeoutMs);
  if (r.code === 0) return;
  const last = r.output.split('\n').pop();
  throw new CertkitError(
    'deploy',
    `the deploy hook failed (${r.signal ?? `exit ${r.code}`})${last ? `: ${last}` : ''}`,
    'the new certificate is live in the store; fix the hook and run it by hand',
  );
}
