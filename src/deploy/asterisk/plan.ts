/**
 * Plans an Asterisk install, purely (files come in through `read`): the effects a real Asterisk 20 needs to
 * serve the new certificate on every TLS part (see "Asterisk" in the field notes):
 * - a TLS transport or [general] tcptls section that already names certificate files keeps its paths: the
 *   new certificate and key are written to THOSE files (modes and owners kept). PJSIP ignores a changed
 *   path (and method, bind) on an existing transport unless allow_reload=yes: where certkit must change one,
 *   it sets allow_reload=yes and says so;
 * - a missing PJSIP TLS transport goes into one managed file pulled in with #tryinclude;
 * - each part listens on its own address (defaults 5061, 8089, 5039; chan_sip gets a port that does not
 *   collide with PJSIP's); what is configured is kept unless a --*-bind flag says otherwise;
 * - the reloads each part needs (manager.conf touched before `manager reload`, sip.conf when users.conf
 *   exists), then a verification of the served fingerprint on each part's own port.
 *
 * This file composes the planner and is the public entry; the parts live beside it: pjsip.ts (transports),
 * tcptls.ts with http-manager.ts and sip.ts ([general] tcptls sections), binds.ts (ports), draft.ts (the plan
 * being built, certificate delivery), effects.ts (writes, touches, reloads, verifications), files.ts (reading).
 */
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { frozenView, liveView, type FsView, type Snapshot } from '../snapshot.js';
import { refuseSharedPorts } from './binds.js';
import { startDraft } from './draft.js';
import { planEffects } from './effects.js';
import { factsReader, type ReadFacts } from './files.js';
import { planHttpOrManager } from './http-manager.js';
import { parseAsterisk, settingValue } from './parser.js';
import { planPjsip } from './pjsip.js';
import { planChanSip } from './sip.js';
import type { AsteriskPart, AsteriskPlan, AsteriskPlanOptions } from './types.js';

export { parseBind } from './binds.js';
export { factsReader, type FileFacts, type ReadFacts } from './files.js';
export {
  DEFAULT_PORTS,
  PARTS,
  RELOAD_COMMANDS,
  type AsteriskPart,
  type AsteriskPlan,
  type AsteriskPlanOptions,
  type Endpoint,
} from './types.js';

/**
 * Reads every path the plan may touch, once: discovery runs the planner over the live disk, recording each
 * read into the snapshot (so it can never miss a path the planner reads).
 */
export function discoverAsterisk(o: AsteriskPlanOptions): Snapshot {
  const snapshot: Snapshot = new Map();
  planWith(liveView(snapshot), snapshot, o);
  return snapshot;
}

/** Pure: the plan from a snapshot made by discoverAsterisk. */
export function planAsteriskInstall(snapshot: Snapshot, o: AsteriskPlanOptions): AsteriskPlan {
  return planWith(frozenView(snapshot), snapshot, o);
}

const ON = /^(yes|true|on|1)$/i;

/**
 * Without --pjsip/--http/...: the parts the configuration already uses — pjsip.conf; http.conf when its server
 * is on (enabled=yes) or has TLS settings; manager.conf and sip.conf when tlsenable is set. A part that is off
 * is never switched on unasked (the stock http.conf would open 8089 and a plain 8088): a note says how.
 */
function defaultParts(configDir: string, read: ReadFacts): { parts: AsteriskPart[]; notes: string[] } {
  const parts: AsteriskPart[] = [];
  const notes: string[] = [];
  const general = (p: AsteriskPart) => {
    const f = read(join(configDir, `${p}.conf`));
    return f ? (parseAsterisk(f.text).sections.find((s) => s.header.name === 'general') ?? null) : undefined;
  };
  if (read(join(configDir, 'pjsip.conf'))) parts.push('pjsip');
  const http = general('http');
  if (http !== undefined) {
    const on = http !== null && ON.test(settingValue(http.lines, 'enabled') ?? 'no');
    if (on || (http !== null && settingValue(http.lines, 'tlsenable') !== undefined)) parts.push('http');
    else
      notes.push(
        'http.conf: the HTTP server is off, so HTTPS (WebRTC/ARI) was left off; --http switches it on with TLS',
      );
  }
  for (const p of ['manager', 'sip'] as const) {
    const g = general(p);
    if (g && settingValue(g.lines, 'tlsenable') !== undefined) parts.push(p);
  }
  return { parts, notes };
}

function planWith(view: FsView, snapshot: Snapshot, o: AsteriskPlanOptions): AsteriskPlan {
  const read = factsReader(view);
  const chosen = o.parts ? { parts: o.parts, notes: [] } : defaultParts(o.configDir, read);
  const parts = chosen.parts;
  // binds holds every part's flag, undefined where none was given
  const given = Object.entries(o.binds ?? {}) as [AsteriskPart, string | undefined][];
  for (const [part, bind] of given)
    if (bind !== undefined && !parts.includes(part))
      throw new CertkitError(
        'usage',
        `--${part}-bind ${bind} was given, but ${part} is not being set up${o.parts ? '' : ` (${chosen.notes[0] ?? 'not in use in the configuration'})`}`,
        `add --${part}, or leave out --${part}-bind`,
      );
  const d = startDraft(o, read, parts);
  d.notes.push(...chosen.notes);
  // in this order: chan_sip's default port steps around the listeners planned before it
  if (parts.includes('pjsip')) planPjsip(d);
  if (parts.includes('http')) planHttpOrManager(d, 'http');
  if (parts.includes('manager')) planHttpOrManager(d, 'manager');
  if (parts.includes('sip')) planChanSip(d);
  refuseSharedPorts(d.endpoints);
  const roles = new Map<string, string>();
  const effects = planEffects(d, view, roles);
  return { target: 'asterisk', snapshot, effects, notes: d.notes, parts, endpoints: d.endpoints, roles };
}
