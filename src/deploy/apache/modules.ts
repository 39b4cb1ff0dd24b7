/**
 * Apache modules: which ones a plan needs; what loading the missing ones does to the rest of the configuration
 * (<IfModule mod_ssl.c> vhosts wake up, <IfModule !mod_ssl.c> ones go dark); and how the layout enables them
 * (a2enmod's links, with their Depends, or LoadModule lines in certkit's file included first).
 */
import { dirname, join, relative } from 'node:path';
import { CertkitError } from '../../errors.js';
import type { Effect } from '../engine.js';
import { textOf, type FsView } from '../snapshot.js';
import { vhostLocation, vhostServes, type ApacheConfig, type Vhost } from './config.js';
import type { PlanEdits } from './edits.js';
import { includeCovers } from './glob.js';
import type { ApachePlanOptions } from './plan-options.js';
import { vhostLabel } from './sites.js';

/** Every module some plan may load: discovery reads the tree as if all were loaded. */
export const ALL_MAYBE_MODULES = [
  'ssl_module',
  'socache_shmcb_module',
  'rewrite_module',
  'headers_module',
  'auth_basic_module',
  'authn_file_module',
  'authn_core_module',
  'authz_user_module',
];

/** The modules a Debian .load file says it needs (its "# Depends:" line). */
const dependsOf = (loadText: string) =>
  /#\s*Depends:\s*(.*)/.exec(loadText)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

export function modulesNeeded(o: ApachePlanOptions): string[] {
  return [
    'ssl_module',
    'socache_shmcb_module',
    ...(o.redirect ? ['rewrite_module'] : []),
    ...(o.hsts ? ['headers_module'] : []),
    ...(o.basicAuth
      ? ['auth_basic_module', 'authn_file_module', 'authn_core_module', 'authz_user_module']
      : []),
  ];
}

function enableDebianModule(
  cfg: ApacheConfig,
  view: FsView,
  mod: string,
  effects: Effect[],
  seen = new Set<string>(),
): void {
  if (seen.has(mod)) return;
  seen.add(mod);
  const avail = join(cfg.serverRoot, 'mods-available');
  const load = join(avail, `${mod}.load`);
  const loadText = textOf(view.state(load));
  if (loadText === null)
    throw new CertkitError('environment', `Apache module ${mod} is not installed (${load} missing)`);
  for (const d of dependsOf(loadText)) enableDebianModule(cfg, view, d, effects, seen);
  for (const ext of ['load', 'conf']) {
    const src = join(avail, `${mod}.${ext}`);
    const link = join(cfg.serverRoot, 'mods-enabled', `${mod}.${ext}`);
    if (!view.state(src).exists || view.state(link).exists) continue;
    effects.push({ kind: 'link', path: link, target: relative(dirname(link), src) });
  }
}

function moduleLoadPath(cfg: ApacheConfig, mod: string): string {
  for (const f of cfg.files.values()) {
    const m = /^\s*LoadModule\s+\S+\s+"?(\S*\/)mod_\w+\.so/m.exec(f.text);
    if (m) return `${m[1]}mod_${mod}.so`;
  }
  return `modules/mod_${mod}.so`;
}

/** The .load/.conf files, available and enabled, of every module certkit may enable and of what they depend on. */
export function debianModulePaths(cfg: ApacheConfig): string[] {
  const root = cfg.serverRoot;
  const paths: string[] = [];
  const seen = new Set<string>();
  const visit = (mod: string) => {
    if (seen.has(mod)) return;
    seen.add(mod);
    for (const dir of ['mods-available', 'mods-enabled'])
      for (const ext of ['load', 'conf']) paths.push(join(root, dir, `${mod}.${ext}`));
    const load = textOf(cfg.view.state(join(root, 'mods-available', `${mod}.load`))) ?? '';
    for (const d of dependsOf(load)) visit(d);
  };
  for (const m of ALL_MAYBE_MODULES) visit(m.replace(/_module$/, ''));
  return paths;
}

/**
 * What loading `missing` does elsewhere, from the tree evaluated before and after: the vhosts it turns on or
 * off, with a note each. Refused when it would switch off a vhost that serves one of the certificate's names.
 */
export function moduleChange(
  before: ApacheConfig,
  after: ApacheConfig,
  missing: string[],
  names: string[],
): { woken: Vhost[]; lost: Vhost[]; notes: string[] } {
  const notes: string[] = [];
  const key = (v: Vhost) => `${vhostLocation(v)}#${v.line}`;
  const liveBefore = new Set(before.vhosts.map(key));
  const liveAfter = new Set(after.vhosts.map(key));
  const woken = after.vhosts.filter((v) => !liveBefore.has(key(v)));
  const lost = before.vhosts.filter((v) => !liveAfter.has(key(v)));
  for (const v of woken)
    notes.push(
      `loading ${missing.join(', ')} turns ON the vhost ${vhostLabel(v)} (it is inside a module condition)`,
    );
  const offAfter = new Map(after.allVhosts.map((v) => [key(v), v.offBecause]));
  for (const v of lost)
    notes.push(
      `loading ${missing.join(', ')} turns OFF the vhost ${vhostLabel(v)} (${(offAfter.get(key(v)) ?? []).join(' ') || 'a module condition'})`,
    );
  const lostServing = lost.filter((v) => names.some((n) => vhostServes(v, n)));
  if (lostServing.length)
    throw new CertkitError(
      'input',
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- lostServing is non-empty (checked just above)
      `loading mod_ssl would switch off the vhost ${vhostLabel(lostServing[0]!)}, which serves ${names.join(', ')}; certkit changed nothing`,
      'move that vhost out of its <IfModule !mod_ssl.c> block first',
    );
  return { woken, lost, notes };
}

/** Enables the missing modules the layout's way. */
export function enableModules(cfg: ApacheConfig, missing: string[], edits: PlanEdits, notes: string[]): void {
  if (missing.length) notes.push(`modules loaded: ${missing.join(', ')}`);
  const spec = cfg.layoutSpec.modules;
  if (spec.kind === 'a2enmod') {
    const links: Effect[] = [];
    const seen = new Set<string>();
    for (const m of missing) enableDebianModule(cfg, cfg.view, m.replace(/_module$/, ''), links, seen);
    for (const e of links) if (e.kind === 'link') edits.link(e.path, e.target);
  } else if (missing.length) {
    const lines = new Set((textOf(cfg.view.state(spec.path)) ?? '').split('\n').filter(Boolean));
    for (const m of missing) lines.add(`LoadModule ${m} ${moduleLoadPath(cfg, m.replace(/_module$/, ''))}`);
    edits.write(spec.path, [...lines].join('\n') + '\n');
    // before everything else, so <IfModule mod_ssl.c> anywhere sees it (as the plan evaluated)
    // a layout's module directory may not be included by this tree's main file (a customised RHEL httpd.conf)
    if (spec.includeFromMain || !cfg.liveIncludes.some((p) => includeCovers(p, spec.path)))
      edits.includeFromMain(spec.path, true);
  }
}
