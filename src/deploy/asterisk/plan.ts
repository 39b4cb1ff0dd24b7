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
 */
import { dirname, isAbsolute, join } from 'node:path';
import { CertkitError } from '../../errors.js';
import type { Effect, Plan, WriteEffect } from '../engine.js';
import { discoverPaths, frozenView, liveView, type FsView, type Snapshot } from '../snapshot.js';
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
export const PARTS: AsteriskPart[] = ['pjsip', 'http', 'manager', 'sip'];

/** A file as discovered (through a snapshot view): its real path, content, mode and owner. */
export interface FileFacts {
  path: string;
  text: string;
  mode: number;
  uid: number;
  gid: number;
}
export type ReadFacts = (path: string) => FileFacts | null;

/** Files read through a snapshot view, symlinks followed (a linked config is edited where it lives). */
export function factsReader(view: FsView): ReadFacts {
  return (path) => {
    const real = view.real(path);
    const s = view.state(real);
    if (s.kind !== 'file') return null;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
    return { path: real, text: s.bytes!.toString('utf8'), mode: s.mode, uid: s.uid, gid: s.gid };
  };
}

export interface AsteriskPlanOptions {
  lineage: string;
  configDir: string;
  keysDir: string;
  parts?: AsteriskPart[];
  binds?: Partial<Record<AsteriskPart, string>>;
  method: 'tlsv1_2' | 'sslv23';
  fullchainPem: string;
  keyPem: string;
  /** the asterisk group's id when it exists: new keys 0640 root:asterisk; else 0600 */
  asteriskGid: number | null;
  /** uid new files are owned by (root) */
  uid: number;
  /** the host name verified (SNI) and the leaf's SHA-256 fingerprint every part must serve */
  name: string;
  fingerprint: string;
  /** the time set on configuration files touched so their module re-reads TLS */
  nowMs: number;
  /** where the parts are reached for verification (default: the bind address, loopback for 0.0.0.0) */
  verifyHost?: string;
}

export interface Endpoint {
  part: AsteriskPart;
  /** the transport or file, for messages */
  what: string;
  bind: string;
  host: string;
  port: number;
  /** where it listened before, when certkit moves it (a rollback is checked there) */
  was?: { host: string; port: number };
}

export interface AsteriskPlan extends Plan {
  parts: AsteriskPart[];
  /** each part's listener, verified on its own port */
  endpoints: Endpoint[];
  /** what each written file is for, for the report */
  roles: Map<string, string>;
}

export const RELOAD_COMMANDS: Record<AsteriskPart, string> = {
  pjsip: 'module reload res_pjsip.so',
  http: 'module reload http',
  manager: 'manager reload',
  sip: 'sip reload',
};

export const DEFAULT_PORTS: Record<AsteriskPart, number> = {
  pjsip: 5061,
  http: 8089,
  manager: 5039,
  sip: 5061,
};

/** PJSIP transport options (res_pjsip config_transport.c): anything else makes PJSIP reject the transport. */
const TRANSPORT_OPTIONS = new Set(
  (
    'type protocol bind async_operations ca_list_file ca_list_path cert_file priv_key_file password ' +
    'external_signaling_address external_signaling_port external_media_address domain verify_server ' +
    'verify_client require_client_cert method cipher local_net tos cos websocket_write_timeout allow_reload ' +
    'symmetric_transport allow_wildcard_certs tcp_keepalive_enable tcp_keepalive_idle_time ' +
    'tcp_keepalive_interval_time tcp_keepalive_probe_count'
  ).split(' '),
);
const GOOD_METHODS = new Set(['tlsv1_2', 'tlsv1_3', 'sslv23']);
const MANAGED_FILE = 'pjsip_certkit.conf';
const MANAGED_TRANSPORT = 'transport-tls-certkit';

interface Loaded {
  path: string;
  facts: FileFacts | null;
  file: AstFile;
}

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

export function parseBind(bind: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(bind.trim());
  const host = m?.[1] || '0.0.0.0';
  return { host, port: m?.[2] ? Number(m[2]) : defaultPort };
}

const withPort = (bind: string, part: AsteriskPart) => {
  const { host, port } = parseBind(bind, DEFAULT_PORTS[part]);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
};

function overlaps(a: string, b: string, pa: AsteriskPart, pb: AsteriskPart): boolean {
  const x = parseBind(a, DEFAULT_PORTS[pa]);
  const y = parseBind(b, DEFAULT_PORTS[pb]);
  const any = (h: string) => h === '0.0.0.0' || h === '::' || h === '';
  return x.port === y.port && (x.host === y.host || any(x.host) || any(y.host));
}

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
  const notes: string[] = [];
  const endpoints: Endpoint[] = [];
  const edited = new Map<string, Loaded>();
  const certWrites = new Map<string, { path: string; content: string; secret: boolean; role: string }>();
  const ourCert = join(o.keysDir, `${o.lineage}.crt`);
  const ourKey = join(o.keysDir, `${o.lineage}.key`);
  const combined = o.fullchainPem.replace(/\n?$/, '\n') + o.keyPem;

  /** The certificate (and key) go to the paths a section names; a key-less tcptls section reads both from one file. */
  const deliver = (certFile: string, keyFile: string | undefined, role: string) => {
    const want = (path: string, content: string, secret: boolean) => {
      if (!isAbsolute(path))
        throw new CertkitError(
          'usage',
          `${role} names "${path}", a relative path (Asterisk resolves it against its own working directory)`,
          'make it an absolute path, e.g. /etc/asterisk/keys/asterisk.pem, then run certkit again',
        );
      const prior = certWrites.get(path);
      if (prior && prior.content !== content)
        throw new CertkitError(
          'usage',
          `${path} is used as a certificate by one part and as a key (or both) by another`,
          'give each part its own files, or the same cert_file/priv_key_file pair',
        );
      certWrites.set(path, { path, content, secret: secret || !!prior?.secret, role });
    };
    if (!keyFile || keyFile === certFile) want(certFile, combined, true);
    else {
      want(certFile, o.fullchainPem, false);
      want(keyFile, o.keyPem, true);
    }
  };

  const load = (path: string): Loaded => {
    const known = edited.get(path);
    if (known) return known;
    const facts = read(path);
    return { path, facts, file: parseAsterisk(facts?.text ?? '') };
  };

  if (parts.includes('pjsip')) {
    const files = loadWithIncludes(o.configDir, 'pjsip.conf', read);
    if (files.length === 0)
      throw new CertkitError(
        'not-found',
        `${join(o.configDir, 'pjsip.conf')} does not exist`,
        'leave out --pjsip, or give the configuration directory with --config-dir',
      );
    const { merged, found } = tlsTransports(files);
    for (const { l, s } of found) {
      const name = s.header.name;
      const sameName = merged.sections.filter((x) => x.header.name === name);
      for (const x of sameName)
        for (const line of x.lines)
          if (line.kind === 'setting' && !TRANSPORT_OPTIONS.has(line.key.toLowerCase()))
            throw new CertkitError(
              'input',
              `${l.path}: [${name}] has "${line.key}", which PJSIP does not know: it rejects the whole transport`,
              `fix or remove that line first (the options are cert_file, priv_key_file, method, bind, ...)`,
            );
      const value = (k: string) => effectiveValue(merged, s, k);
      const certFile = value('cert_file');
      const keyFile = value('priv_key_file');
      const method = value('method')?.toLowerCase();
      const bind = value('bind') ?? '';
      const reasons: string[] = [];
      if (certFile && keyFile) deliver(certFile, keyFile, `PJSIP [${name}] cert_file/priv_key_file`);
      else {
        deliver(ourCert, ourKey, `PJSIP [${name}]`);
        setValue(s, 'cert_file', ourCert);
        setValue(s, 'priv_key_file', ourKey);
        reasons.push('its certificate paths were not set');
      }
      if (!method || !GOOD_METHODS.has(method)) {
        setValue(s, 'method', o.method);
        reasons.push(
          method ? `method=${method} is not a TLS 1.2+ method` : 'method was unset (TLS 1.0 only)',
        );
      }
      const wantBind = o.binds?.pjsip && withPort(o.binds.pjsip, 'pjsip');
      if (wantBind && wantBind !== withPort(bind, 'pjsip')) {
        setValue(s, 'bind', wantBind);
        reasons.push(`bind changes to ${wantBind}`);
      }
      const allowReload = /^(yes|true|on|1)$/i.test(value('allow_reload') ?? 'no');
      if (reasons.length && !allowReload) {
        setValue(s, 'allow_reload', 'yes');
        notes.push(
          `PJSIP [${name}]: ${reasons.join(', ')}; set allow_reload=yes so Asterisk applies it on reload`,
        );
      }
      if (reasons.length) edited.set(l.path, l);
      endpoints.push(endpoint('pjsip', `PJSIP [${name}]`, wantBind ?? bind, o.verifyHost, bind));
    }
    if (found.length === 0) {
      const managed = join(o.configDir, MANAGED_FILE);
      const bind = withPort(o.binds?.pjsip ?? `0.0.0.0:${DEFAULT_PORTS.pjsip}`, 'pjsip');
      const text = [
        `; Managed by certkit: the PJSIP TLS transport for lineage "${o.lineage}". Edits are overwritten.`,
        `[${MANAGED_TRANSPORT}]`,
        'type=transport',
        'protocol=tls',
        `bind=${bind}`,
        `cert_file=${ourCert}`,
        `priv_key_file=${ourKey}`,
        `method=${o.method}`,
        'allow_reload=yes',
        '',
      ].join('\n');
      deliver(ourCert, ourKey, `PJSIP [${MANAGED_TRANSPORT}]`);
      edited.set(managed, { path: managed, facts: read(managed), file: parseAsterisk(text) });
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- files always starts with the main config file
      const main = files[0]!;
      const included = [...main.file.preamble, ...main.file.sections.flatMap((x) => x.lines)].some(
        (line) => line.kind === 'include' && line.path === MANAGED_FILE,
      );
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the main config file exists (the plan refuses a missing one earlier)
      const sep = main.facts!.text.endsWith('\n') || main.facts!.text === '' ? '' : '\n';
      if (!included)
        main.file.sections.push({
          header: {
            kind: 'section',
            raw: '',
            name: '',
            options: [],
          },
          lines: [
            {
              kind: 'text',
              raw: `${sep}\n; TLS transport managed by certkit\n#tryinclude ${MANAGED_FILE}\n`,
            },
          ],
        });
      if (!included) edited.set(main.path, main);
      endpoints.push(endpoint('pjsip', `PJSIP [${MANAGED_TRANSPORT}]`, bind, o.verifyHost));
      notes.push(`no PJSIP TLS transport found: adding [${MANAGED_TRANSPORT}] on ${bind} in ${managed}`);
    }
  }

  for (const part of ['http', 'manager', 'sip'] as const) {
    if (!parts.includes(part)) continue;
    const path = join(o.configDir, `${part}.conf`);
    const l = load(path);
    let general = l.file.sections.find((s) => s.header.name === 'general');
    if (!general) {
      const text = l.facts?.text ?? '';
      general = {
        header: {
          kind: 'section',
          raw: `${text && !text.endsWith('\n') ? '\n' : ''}[general]\n`,
          name: 'general',
          options: [],
        },
        lines: [],
      };
      l.file.sections.unshift(general);
    }
    const g = general;
    const set = (k: string, v: string) => {
      if (settingValue(g.lines, k) !== v) {
        setValue(g, k, v);
        edited.set(path, l);
      }
    };
    set('tlsenable', 'yes');
    const current = settingValue(g.lines, 'tlsbindaddr');
    let bind: string;
    if (o.binds?.[part]) bind = withPort(o.binds[part], part);
    else if (current) bind = withPort(current, part);
    else if (part === 'sip') {
      // PJSIP's TLS transports count even when certkit does not configure PJSIP
      const { merged, found } = parts.includes('pjsip')
        ? { merged: null, found: [] }
        : tlsTransports(loadWithIncludes(o.configDir, 'pjsip.conf', read));
      const pjsip = found.map(({ s }) =>
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- merged is set whenever PJSIP transports were found
        endpoint('pjsip', `PJSIP [${s.header.name}]`, effectiveValue(merged!, s, 'bind') ?? '', o.verifyHost),
      );
      bind = nonCollidingSipBind([...endpoints, ...pjsip]);
    } else bind = `0.0.0.0:${DEFAULT_PORTS[part]}`;
    if (!current || withPort(current, part) !== bind) set('tlsbindaddr', bind);
    const certFile = settingValue(g.lines, 'tlscertfile');
    if (certFile) deliver(certFile, settingValue(g.lines, 'tlsprivatekey'), `${part}.conf tlscertfile`);
    else {
      set('tlscertfile', ourCert);
      set('tlsprivatekey', ourKey);
      deliver(ourCert, ourKey, `${part}.conf`);
    }
    if (part === 'sip') set('tlsclientmethod', o.method === 'sslv23' ? 'sslv23' : 'tlsv1_2');
    // HTTPS and AMI over TLS listen only when the server itself is on ([general] enabled, default no): asking
    // for the part is asking for it to listen, so it is switched on, in the diff and said in the plan
    if (part !== 'sip' && !/^(yes|true|on|1)$/i.test(settingValue(g.lines, 'enabled') ?? 'no')) {
      set('enabled', 'yes');
      // The server was off, so its PLAIN listener (AMI secrets, ARI passwords in the clear) was closed too: the user
      // asked for TLS, so the plain side it brings along stays on loopback unless it already was.
      const plainAddr = settingValue(g.lines, 'bindaddr');
      const wildcard = !plainAddr || /^(0\.0\.0\.0|::|\[::\]|\*)$/.test(plainAddr.trim());
      if (wildcard) set('bindaddr', '127.0.0.1');
      const port =
        settingValue(g.lines, part === 'http' ? 'bindport' : 'port') ?? (part === 'http' ? 8088 : 5038);
      const plain = `${wildcard ? '127.0.0.1' : plainAddr}:${port}`;
      notes.push(
        part === 'http'
          ? `http.conf: enabled=yes (the HTTP server was off, so HTTPS would never listen); its plain HTTP listens on ${plain}${wildcard ? ' only (bindaddr set to loopback: it was not reachable before)' : ''}`
          : `manager.conf: enabled=yes (AMI was off, so AMI over TLS would never listen); plain AMI listens on ${plain}${wildcard ? ' only (bindaddr set to loopback: the AMI secret never crosses the network in the clear)' : ''}`,
      );
    }
    endpoints.push(endpoint(part, `${part}.conf`, bind, o.verifyHost, current));
  }

  for (const [i, a] of endpoints.entries())
    for (const b of endpoints.slice(i + 1))
      if (overlaps(a.bind, b.bind, a.part, b.part))
        throw new CertkitError(
          'usage',
          `${a.what} (${a.bind}) and ${b.what} (${b.bind}) would listen on the same port`,
          `give each part its own port (--pjsip-bind, --http-bind, --manager-bind, --sip-bind ADDR:PORT)`,
        );

  const effects: Effect[] = [];
  const roles = new Map<string, string>();
  const mkdirFor = (path: string) => {
    discoverPaths(view, [path]);
    const missing: string[] = [];
    for (let d = dirname(path); !view.state(d).exists; d = dirname(d)) missing.unshift(d);
    for (const d of missing)
      if (!effects.some((e) => e.kind === 'mkdir' && e.path === d))
        effects.push({ kind: 'mkdir', path: d, mode: 0o750, uid: o.uid, gid: o.asteriskGid ?? undefined });
  };
  for (const w of certWrites.values()) {
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
      notes.push(
        `${before.path} holds the private key and is world-readable (mode ${before.mode.toString(8)}): kept as it was; consider chmod 640`,
      );
    roles.set(write.path, w.role);
  }
  if (o.asteriskGid === null && [...certWrites.values()].some((w) => w.secret && !read(w.path)))
    notes.push(
      'no "asterisk" group on this machine: the new key is 0600 root-only; Asterisk running as another user will not read it',
    );
  const sibling = read(join(o.configDir, 'pjsip.conf'));
  for (const l of edited.values()) {
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
  // manager ignores a reload while manager.conf is unchanged, http too after a failed TLS load; chan_sip
  // while sip.conf and users.conf are unchanged (without users.conf it always reloads)
  const users = read(join(o.configDir, 'users.conf'));
  for (const part of parts) {
    const conf = read(join(o.configDir, `${part}.conf`));
    if (conf && (part === 'manager' || part === 'http' || (part === 'sip' && users)))
      effects.push({ kind: 'touch', path: conf.path, mtimeMs: o.nowMs });
  }
  for (const part of parts) effects.push({ kind: 'reload', what: RELOAD_COMMANDS[part] });
  for (const e of endpoints)
    effects.push({ kind: 'verify', host: e.host, port: e.port, name: o.name, fingerprint: o.fingerprint });
  return { target: 'asterisk', snapshot, effects, notes, parts, endpoints, roles };
}

function endpoint(
  part: AsteriskPart,
  what: string,
  bind: string,
  verifyHost?: string,
  before?: string,
): Endpoint {
  const at = (b: string) => {
    const { host, port } = parseBind(withPort(b, part), DEFAULT_PORTS[part]);
    return { host: verifyHost ?? (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host), port };
  };
  const now = at(bind);
  const was = before === undefined ? undefined : at(before);
  const moved = was && (was.host !== now.host || was.port !== now.port);
  return { part, what, bind: withPort(bind, part), ...now, ...(moved ? { was } : {}) };
}

/** The concrete PJSIP TLS transports of pjsip.conf and its includes (templates resolved across files). */
function tlsTransports(files: Loaded[]) {
  const merged: AstFile = { preamble: [], sections: files.flatMap((f) => f.file.sections) };
  const found: { l: Loaded; s: AstSection }[] = [];
  for (const l of files)
    for (const s of l.file.sections) {
      if (isTemplate(s) || s.header.options.includes('+')) continue;
      const type = effectiveValue(merged, s, 'type')?.toLowerCase();
      const proto = effectiveValue(merged, s, 'protocol')?.toLowerCase();
      if (type === 'transport' && proto === 'tls') found.push({ l, s });
    }
  return { merged, found };
}

function nonCollidingSipBind(endpoints: Endpoint[]): string {
  for (let port = DEFAULT_PORTS.sip; ; port++) {
    const bind = `0.0.0.0:${port}`;
    if (!endpoints.some((e) => overlaps(e.bind, bind, e.part, 'sip'))) return bind;
  }
}

/** pjsip.conf and the files it #includes (up to 8 levels). */
function loadWithIncludes(configDir: string, name: string, read: ReadFacts): Loaded[] {
  const out: Loaded[] = [];
  const visit = (path: string, depth: number) => {
    if (depth > 8 || out.some((x) => x.path === path)) return;
    const facts = read(path);
    if (!facts) return;
    const l: Loaded = { path, facts, file: parseAsterisk(facts.text) };
    out.push(l);
    for (const line of [...l.file.preamble, ...l.file.sections.flatMap((s) => s.lines)])
      if (line.kind === 'include' && line.directive !== 'exec')
        visit(isAbsolute(line.path) ? line.path : join(configDir, line.path), depth + 1);
  };
  visit(join(configDir, name), 0);
  return out;
}
