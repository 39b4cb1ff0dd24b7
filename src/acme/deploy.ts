/**
 * Deploying a new version: the lineage's deploy hook, then its recorded installers. A failure is remembered in
 * settings.json (deployPending) so that the next `renew` retries it until it succeeds, even though the
 * certificate is no longer due; `list` shows it.
 */
import { errorMessage } from '../errors.js';
import type { Store } from '../store/store.js';
import { runDeployHook } from './hooks.js';

export interface DeployOptions {
  /** the recorded installers (apache, asterisk) of the lineage, run after the hook */
  installers?: (lineage: string) => Promise<void>;
  onStep?: (message: string) => void;
  now?: () => Date;
}

/** Runs the hook and installers for `version`; records or clears the pending deploy. */
export async function deployVersion(
  store: Store,
  lineage: string,
  version: number,
  opts: DeployOptions = {},
): Promise<void> {
  const now = opts.now ?? (() => new Date());
  const settings = await store.requireLineage(lineage);
  try {
    if (settings.deployHook) {
      opts.onStep?.('deploy hook');
      await runDeployHook(settings.deployHook, {
        CERTKIT_LINEAGE: lineage,
        CERTKIT_LIVE_DIR: store.liveDir(lineage),
        CERTKIT_DOMAINS: settings.domains.join(' '),
        CERTKIT_VERSION: String(version),
      });
    }
    if (settings.installers?.length) await opts.installers?.(lineage);
  } catch (err) {
    await store.locked(async () => {
      const s = await store.requireLineage(lineage);
      await store.writeSettings({
        ...s,
        deployPending: {
          version,
          since: s.deployPending?.since ?? now().toISOString(),
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- split() always yields at least one part
          error: errorMessage(err).split('\n')[0]!,
        },
      });
    });
    throw err;
  }
  if (settings.deployPending)
    await store.locked(async () => {
      const s = await store.requireLineage(lineage);
      await store.writeSettings({ ...s, deployPending: undefined });
    });
}
