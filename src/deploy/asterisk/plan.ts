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

/** Without --pjsip/--http/...: the parts the configuration has (pjsip.conf, http.conf, tlsenable set). */
function defaultParts(configDir: string, read: ReadFacts): AsteriskPart[] {
  const parts: AsteriskPart[] = [];
  if (read(join(configDir, 'pjsip.conf'))) parts.push('pjsip');
  if (read(join(configDir, 'http.conf'))) parts.push('http');
  for (const p of ['manager', 'sip'] as const) {
    const f = read(join(configDir, `${p}.conf`));
    const general = f && parseAsterisk(f.text).sections.find((s) => s.header.name === 'general');
    if (general && settingValue(general.lines, 'tlsenable') !== undefined) parts.push(p);
  }
  return parts;
}

function planWith(view: FsView, snapshot: Snapshot, o: AsteriskPlanOptions): AsteriskPlan {
  const read = factsReader(view);
  const parts = o.parts ?? defaultParts(o.configDir, read);
  const d = startDraft(o, read, parts);
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
