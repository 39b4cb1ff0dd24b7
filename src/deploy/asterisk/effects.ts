/**
 * The finished draft as the engine's effects, in order: certificate and key writes (an existing file keeps
 * its mode and owner, a new one gets a key's or a certificate's, with the directories it needs), the edited
 * configuration files, the touches that make a module re-read TLS, the reloads, and a verification of the
 * served fingerprint on each part's own port.
 */
import { dirname, join } from 'node:path';
import type { Effect, WriteEffect } from '../engine.js';
import { discoverPaths, type FsView } from '../snapshot.js';
import type { Draft } from './draft.js';
import { printAsterisk } from './parser.js';
import { RELOAD_COMMANDS } from './types.js';

/** The effects of a draft; `roles` gets what each written file is for, `d.notes` what the user should know. */
export function planEffects(d: Draft, view: FsView, roles: Map<string, string>): Effect[] {
  const effects: Effect[] = [];
  certificateWrites(d, view, effects, roles);
  configurationWrites(d, effects, roles);
  effects.push(...reloads(d));
  for (const e of d.endpoints)
    effects.push({
      kind: 'verify',
      host: e.host,
      port: e.port,
      name: d.o.name,
      fingerprint: d.o.fingerprint,
    });
  return effects;
}

function certificateWrites(d: Draft, view: FsView, effects: Effect[], roles: Map<string, string>): void {
  const { o, read } = d;
  const mkdirFor = (path: string) => {
    discoverPaths(view, [path]);
    const missing: string[] = [];
    for (let dir = dirname(path); !view.state(dir).exists; dir = dirname(dir)) missing.unshift(dir);
    for (const dir of missing)
      if (!effects.some((e) => e.kind === 'mkdir' && e.path === dir))
        effects.push({ kind: 'mkdir', path: dir, mode: 0o750, uid: o.uid, gid: o.asteriskGid ?? undefined });
  };
  for (const w of d.certWrites.values()) {
    const before = read(w.path);
    // a file that exists keeps its mode and owner; a new one gets what its kind needs
    if (!before) mkdirFor(w.path);
    const write: WriteEffect = before
      ? {
          kind: 'write',
          path: before.path,
          content: w.content,
          mode: before.mode,
          uid: before.uid,
          gid: before.gid,
        }
      : {
          kind: 'write',
          path: w.path,
          content: w.content,
          mode: w.secret ? (o.asteriskGid === null ? 0o600 : 0o640) : 0o644,
          uid: o.uid,
          gid: o.asteriskGid ?? undefined,
        };
    effects.push({ ...write, secret: w.secret });
    if (w.secret && before && before.mode & 0o004)
      d.notes.push(
        `${before.path} holds the private key and is world-readable (mode ${before.mode.toString(8)}): kept as it was; consider chmod 640`,
      );
    roles.set(write.path, w.role);
  }
  if (o.asteriskGid === null && [...d.certWrites.values()].some((w) => w.secret && !read(w.path)))
    d.notes.push(
      'no "asterisk" group on this machine: the new key is 0600 root-only; Asterisk running as another user will not read it',
    );
}

function configurationWrites(d: Draft, effects: Effect[], roles: Map<string, string>): void {
  const { o } = d;
  const sibling = d.read(join(o.configDir, 'pjsip.conf'));
  for (const l of d.edited.values()) {
    const f = l.facts;
    effects.push({
      kind: 'write',
      path: f?.path ?? l.path,
      content: printAsterisk(l.file),
      // a user's file keeps its mode and owner; a new one is like pjsip.conf (it holds passwords)
      mode: f?.mode ?? sibling?.mode ?? 0o640,
      uid: f?.uid ?? sibling?.uid ?? o.uid,
      gid: f?.gid ?? sibling?.gid ?? o.asteriskGid ?? undefined,
    });
    roles.set(f?.path ?? l.path, 'configuration');
  }
}

function reloads(d: Draft): Effect[] {
  const effects: Effect[] = [];
  // manager ignores a reload while manager.conf is unchanged, http too after a failed TLS load; chan_sip
  // while sip.conf and users.conf are unchanged (without users.conf it always reloads)
  const users = d.read(join(d.o.configDir, 'users.conf'));
  for (const part of d.parts) {
    const conf = d.read(join(d.o.configDir, `${part}.conf`));
    if (conf && (part === 'manager' || part === 'http' || (part === 'sip' && users)))
      effects.push({ kind: 'touch', path: conf.path, mtimeMs: d.o.nowMs });
  }
  for (const part of d.parts) effects.push({ kind: 'reload', what: RELOAD_COMMANDS[part] });
  return effects;
}
