/**
 * Plans an Asterisk install: the certificate files copied to stable names in the keys directory, and the TLS
 * settings of each part (PJSIP transport, http.conf, manager.conf, sip.conf) set in the user's own section,
 * in place (inheritance and includes respected); a missing PJSIP TLS transport goes into one managed file
 * pulled in with #tryinclude. Never leaves `method` unset (pjproject's default is TLS 1.0 only).
 */
import { isAbsolute, join } from 'node:path';
import type { Effect, Plan, WriteEffect } from '../engine.js';
import { discoverPaths, frozenView, liveView, textOf, type FsView, type Snapshot } from '../snapshot.js';
import {
  effectiveValue,
  isTemplate,
  parseAsterisk,
  printAsterisk,
  setValue,
  settingValue,
  type AstFile,
  type AstSection,
} from './parser.js';

export type AsteriskPart = 'pjsip' | 'http' | 'manager' | 'sip';

export interface AsteriskPlanOptions {
  lineage: string;
  configDir: string;
  keysDir: string;
  parts?: AsteriskPart[];
  bind?: string;
  method: 'tlsv1_2' | 'sslv23';
  fullchainPem: string;
  keyPem: string;
  /** the asterisk group's id when it exists: key 0640 root:asterisk; else 0600 */
  asteriskGid: number | null;
}

export interface AsteriskPlan extends Plan {
  parts: AsteriskPart[];
  certFile: string;
  keyFile: string;
  /** where each part will listen for TLS, for verification */
  endpoints: { part: AsteriskPart; bind: string }[];
}

interface Loaded {
  path: string;
  text: string;
  file: AstFile;
}

const read = (view: FsView, path: string): Loaded | null => {
  const text = textOf(view.state(view.real(path)));
  if (text === null) return null;
  return { path, text, file: parseAsterisk(text) };
};

/** pjsip.conf and the files it #includes (one level of nesting is what users do; we follow up to 8). */
function loadWithIncludes(view: FsView, configDir: string, name: string): Loaded[] {
  const out: Loaded[] = [];
  const visit = (path: string, depth: number) => {
    const l = read(view, path);
    if (!l || depth > 8 || out.some((o) => o.path === path)) return;
    out.push(l);
    for (const line of [...l.file.preamble, ...l.file.sections.flatMap((s) => s.lines)]) {
      if (line.kind === 'include' && line.directive !== 'exec')
        visit(isAbsolute(line.path) ? line.path : join(configDir, line.path), depth + 1);
    }
  };
  visit(join(configDir, name), 0);
  return out;
}

export function defaultParts(view: FsView, configDir: string): AsteriskPart[] {
  const parts: AsteriskPart[] = [];
  if (view.state(join(configDir, 'pjsip.conf')).exists) parts.push('pjsip');
  if (view.state(join(configDir, 'http.conf')).exists) parts.push('http');
  for (const p of ['manager', 'sip'] as const) {
    const l = read(view, join(configDir, `${p}.conf`));
    const general = l?.file.sections.find((s) => s.header.name === 'general');
    if (general && settingValue(general.lines, 'tlsenable') !== undefined) parts.push(p);
  }
  return parts;
}

const DEFAULT_BIND: Record<AsteriskPart, string> = {
  pjsip: '0.0.0.0:5061',
  http: '0.0.0.0:8089',
  manager: '0.0.0.0:5039',
  sip: '0.0.0.0:5061',
};

/**
 * Reads every path the plan may touch, once: discovery runs the planner over the live disk, recording each
 * read into the snapshot (so it can never miss a path the planner reads).
 */
export function discoverAsterisk(o: AsteriskPlanOptions): Snapshot {
  const snapshot: Snapshot = new Map();
  const view = liveView(snapshot);
  discoverPaths(view, [o.keysDir, join(o.configDir, 'pjsip_certkit.conf')]);
  planWith(view, snapshot, o);
  return snapshot;
}

/** Pure: the plan from a snapshot made by discoverAsterisk. */
export function planAsteriskInstall(snapshot: Snapshot, o: AsteriskPlanOptions): AsteriskPlan {
  return planWith(frozenView(snapshot), snapshot, o);
}

function planWith(view: FsView, snapshot: Snapshot, o: AsteriskPlanOptions): AsteriskPlan {
  const parts = o.parts ?? defaultParts(view, o.configDir);
  const certFile = join(o.keysDir, `${o.lineage}.crt`);
  const keyFile = join(o.keysDir, `${o.lineage}.key`);
  const effects: Effect[] = [];
  const notes: string[] = [];
  const endpoints: AsteriskPlan['endpoints'] = [];
  const gid = o.asteriskGid ?? undefined;
  // keys directory: 0750, group asterisk where it exists
  const keysDir = view.state(o.keysDir);
  if (!keysDir.exists) {
    discoverPaths(view, [o.keysDir]);
    const missing: string[] = [];
    for (let p = o.keysDir; !view.state(p).exists; p = join(p, '..')) missing.unshift(p);
    for (const p of missing) effects.push({ kind: 'mkdir', path: p, mode: 0o750, gid });
  } else {
    if (keysDir.mode !== 0o750) effects.push({ kind: 'mode', path: o.keysDir, mode: 0o750 });
    if (gid !== undefined && keysDir.gid !== gid)
      effects.push({ kind: 'owner', path: o.keysDir, uid: keysDir.uid, gid });
  }
  /** certkit's own files: the mode and group their kind needs */
  const own = (path: string, content: string, mode: number, secret = false): WriteEffect => {
    view.state(path);
    return { kind: 'write', path, content, mode, gid, secret };
  };
  effects.push(own(certFile, o.fullchainPem, 0o644));
  effects.push(own(keyFile, o.keyPem, o.asteriskGid === null ? 0o600 : 0o640, true));
  if (o.asteriskGid === null)
    notes.push(
      'no "asterisk" group on this machine: the key is 0600 root-only; Asterisk running as another user will not read it',
    );

  const editedFiles = new Map<string, Loaded>();
  const touch = (l: Loaded) => editedFiles.set(l.path, l);

  if (parts.includes('pjsip')) {
    const files = loadWithIncludes(view, o.configDir, 'pjsip.conf');
    if (files.length === 0) throw new Error(`${join(o.configDir, 'pjsip.conf')} does not exist`);
    const found: { l: Loaded; s: AstSection }[] = [];
    const merged = mergeFiles(files);
    for (const l of files) {
      for (const s of l.file.sections) {
        if (isTemplate(s) || s.header.name === 'transport-tls-certkit') continue;
        const type = effectiveValue(merged, s, 'type');
        const proto = effectiveValue(merged, s, 'protocol');
        if (type?.toLowerCase() === 'transport' && proto?.toLowerCase() === 'tls') found.push({ l, s });
      }
    }
    if (found.length) {
      for (const { l, s } of found) {
        setValue(s, 'cert_file', certFile);
        setValue(s, 'priv_key_file', keyFile);
        setValue(s, 'method', o.method);
        if (o.bind) setValue(s, 'bind', o.bind);
        touch(l);
        endpoints.push({
          part: 'pjsip',
          bind: o.bind ?? effectiveValue(merged, s, 'bind') ?? DEFAULT_BIND.pjsip,
        });
      }
    } else {
      const managed = join(o.configDir, 'pjsip_certkit.conf');
      const bind = o.bind ?? DEFAULT_BIND.pjsip;
      const text = [
        `; Managed by certkit: the PJSIP TLS transport for lineage "${o.lineage}". Edits are overwritten.`,
        '[transport-tls-certkit]',
        'type=transport',
        'protocol=tls',
        `bind=${bind}`,
        `cert_file=${certFile}`,
        `priv_key_file=${keyFile}`,
        `method=${o.method}`,
        '',
      ].join('\n');
      effects.push(own(managed, text, 0o640));
      const main = files[0]!;
      const already = [...main.file.preamble, ...main.file.sections.flatMap((s) => s.lines)].some(
        (l) => l.kind === 'include' && l.path === 'pjsip_certkit.conf',
      );
      if (!already) {
        const sep = main.text.endsWith('\n') || main.text === '' ? '' : '\n';
        const include = `${sep}\n; TLS transport managed by certkit\n#tryinclude pjsip_certkit.conf\n`;
        effects.push(edited(view, main.path, main.text + include, gid));
      }
      endpoints.push({ part: 'pjsip', bind });
      notes.push(`no PJSIP TLS transport found: adding [transport-tls-certkit] on ${bind} in ${managed}`);
    }
  }

  for (const part of ['http', 'manager', 'sip'] as const) {
    if (!parts.includes(part)) continue;
    const path = join(o.configDir, `${part}.conf`);
    const l = read(view, path) ?? { path, text: '', file: parseAsterisk('') };
    let general = l.file.sections.find((s) => s.header.name === 'general');
    if (!general) {
      general = {
        header: {
          kind: 'section',
          raw: `${l.text && !l.text.endsWith('\n') ? '\n' : ''}[general]\n`,
          name: 'general',
          options: [],
        },
        lines: [],
      };
      l.file.sections.unshift(general);
    }
    setValue(general, 'tlsenable', 'yes');
    const bind = o.bind ?? settingValue(general.lines, 'tlsbindaddr') ?? DEFAULT_BIND[part];
    setValue(general, 'tlsbindaddr', bind);
    setValue(general, 'tlscertfile', certFile);
    setValue(general, 'tlsprivatekey', keyFile);
    if (part === 'sip') setValue(general, 'tlsclientmethod', o.method === 'sslv23' ? 'sslv23' : 'tlsv1_2');
    touch(l);
    endpoints.push({ part, bind });
  }

  for (const l of editedFiles.values()) {
    const after = printAsterisk(l.file);
    const prior = effects.find((c): c is WriteEffect => c.kind === 'write' && c.path === l.path);
    if (prior) prior.content = after;
    else effects.push(edited(view, l.path, after, gid));
  }
  effects.push({ kind: 'reload', what: `asterisk: ${parts.join(', ')}` });
  return { target: 'asterisk', snapshot, effects, notes, parts, certFile, keyFile, endpoints };
}

/** A user's config file rewritten: it keeps its mode, owner and group (a new one: 0640, group asterisk). */
function edited(view: FsView, path: string, content: string, gid: number | undefined): WriteEffect {
  const s = view.state(view.real(path));
  return s.kind === 'file'
    ? { kind: 'write', path: s.path, content, mode: s.mode, uid: s.uid, gid: s.gid }
    : { kind: 'write', path, content, mode: 0o640, gid };
}

/** All sections of pjsip.conf and its includes, for template lookups across files. */
function mergeFiles(files: Loaded[]): AstFile {
  return { preamble: [], sections: files.flatMap((f) => f.file.sections) };
}
