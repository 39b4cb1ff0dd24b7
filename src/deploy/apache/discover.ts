/**
 * The one place that reads the disk: `discoverApache` snapshots the tree and every path a plan for this lineage
 * may create or edit, once. `configOf` evaluates that snapshot (pure), so every planner works over it alone.
 */
import { join } from 'node:path';
import { discoverPaths, frozenView, liveView, type Snapshot } from '../snapshot.js';
import { loadApacheConfig, type ApacheConfig, type EvaluateOptions } from './config.js';
import { layoutInputs } from './layouts.js';
import { ALL_MAYBE_MODULES, debianModulePaths } from './modules.js';

export interface ApacheDiscovery {
  serverRoot: string;
  snapshot: Snapshot;
  /** the environment httpd gets (a parameter, so planning stays pure) */
  env: Record<string, string>;
}

/** Paths a plan for this lineage may create or edit besides the loaded config files. */
function candidatePaths(cfg: ApacheConfig, lineage: string): string[] {
  const root = cfg.serverRoot;
  const site = cfg.layoutSpec.siteFile(lineage, cfg.mainFile);
  return [
    join(root, 'certkit', 'tls-intermediate.conf'),
    join(root, 'certkit', 'tls-modern.conf'),
    join(root, 'certkit', 'stapling.conf'),
    site.path,
    // an edited config file's own directory too (a sites-enabled symlink into a directory of its own)
    ...cfg.files.keys(),
    ...(site.enableLink ? [site.enableLink] : []),
    ...cfg.allVhosts.map((v) => cfg.layoutSpec.siteFile(lineage, v.file).path),
    ...(cfg.layoutSpec.modules.kind === 'file' ? [cfg.layoutSpec.modules.path] : []),
    // the modules certkit may enable and everything they depend on
    ...(cfg.layout === 'debian' ? debianModulePaths(cfg) : []),
  ];
}

/**
 * Reads the tree and every path an install of this lineage may touch, once. The tree is evaluated twice
 * (as it is, and with every module certkit may load), so files only included after the change are read too.
 */
export function discoverApache(
  serverRoot: string,
  lineage: string,
  env: Record<string, string> = {},
): ApacheDiscovery {
  const snapshot: Snapshot = new Map();
  const view = liveView(snapshot);
  discoverPaths(view, layoutInputs(serverRoot));
  for (const assume of [[], ALL_MAYBE_MODULES]) {
    const cfg = loadApacheConfig(serverRoot, view, { env, assumeModules: assume });
    discoverPaths(view, candidatePaths(cfg, lineage));
  }
  return { serverRoot, snapshot, env };
}

/** The tree as the snapshot shows it (pure). */
export function configOf(d: ApacheDiscovery, options: EvaluateOptions = {}): ApacheConfig {
  return loadApacheConfig(d.serverRoot, frozenView(d.snapshot), { env: d.env, ...options });
}
