/**
 * PJSIP (pjsip.conf and its #includes): each concrete TLS transport gets the new certificate at the paths it
 * names (or certkit's, set on it), a TLS 1.2+ method and the --pjsip-bind; PJSIP applies such changes to an
 * existing transport only with allow_reload=yes, so certkit sets it and says so. With no TLS transport at all,
 * one is added in a managed file pulled in with #tryinclude.
 */
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { endpoint, withPort } from './binds.js';
import type { Draft } from './draft.js';
import { loadWithIncludes, type Loaded, type ReadFacts } from './files.js';
import {
  effectiveValue,
  isTemplate,
  parseAsterisk,
  setValue,
  type AstFile,
  type AstSection,
} from './parser.js';
import { DEFAULT_PORTS, type Endpoint } from './types.js';

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

/** Where PJSIP's TLS transports listen as configured (for a part certkit must keep off their ports). */
export function pjsipListeners(configDir: string, read: ReadFacts, verifyHost?: string): Endpoint[] {
  const { merged, found } = tlsTransports(loadWithIncludes(configDir, 'pjsip.conf', read));
  return found.map(({ s }) =>
    endpoint('pjsip', `PJSIP [${s.header.name}]`, effectiveValue(merged, s, 'bind') ?? '', verifyHost),
  );
}

/** Plans PJSIP's part: the existing TLS transports updated, or a managed one added when there is none. */
export function planPjsip(d: Draft): void {
  const files = loadWithIncludes(d.o.configDir, 'pjsip.conf', d.read);
  if (files.length === 0)
    throw new CertkitError(
      'not-found',
      `${join(d.o.configDir, 'pjsip.conf')} does not exist`,
      'leave out --pjsip, or give the configuration directory with --config-dir',
    );
  const { merged, found } = tlsTransports(files);
  for (const { l, s } of found) updateTransport(d, merged, l, s);
  if (found.length === 0) addManagedTransport(d, files);
}

function refuseUnknownOptions(merged: AstFile, l: Loaded, name: string): void {
  const sameName = merged.sections.filter((x) => x.header.name === name);
  for (const x of sameName)
    for (const line of x.lines)
      if (line.kind === 'setting' && !TRANSPORT_OPTIONS.has(line.key.toLowerCase()))
        throw new CertkitError(
          'input',
          `${l.path}: [${name}] has "${line.key}", which PJSIP does not know: it rejects the whole transport`,
          `fix or remove that line first (the options are cert_file, priv_key_file, method, bind, ...)`,
        );
}

/** An existing TLS transport: its certificate paths kept (or set), its method and bind fixed as needed. */
function updateTransport(d: Draft, merged: AstFile, l: Loaded, s: AstSection): void {
  const { o } = d;
  const name = s.header.name;
  refuseUnknownOptions(merged, l, name);
  const value = (k: string) => effectiveValue(merged, s, k);
  const certFile = value('cert_file');
  const keyFile = value('priv_key_file');
  const method = value('method')?.toLowerCase();
  const bind = value('bind') ?? '';
  const reasons: string[] = [];
  if (certFile && keyFile) d.deliver(certFile, keyFile, `PJSIP [${name}] cert_file/priv_key_file`);
  else {
    d.deliver(d.ourCert, d.ourKey, `PJSIP [${name}]`);
    setValue(s, 'cert_file', d.ourCert);
    setValue(s, 'priv_key_file', d.ourKey);
    reasons.push('its certificate paths were not set');
  }
  if (!method || !GOOD_METHODS.has(method)) {
    setValue(s, 'method', o.method);
    reasons.push(method ? `method=${method} is not a TLS 1.2+ method` : 'method was unset (TLS 1.0 only)');
  }
  const wantBind = o.binds?.pjsip && withPort(o.binds.pjsip, 'pjsip');
  if (wantBind && wantBind !== withPort(bind, 'pjsip')) {
    setValue(s, 'bind', wantBind);
    reasons.push(`bind changes to ${wantBind}`);
  }
  const allowReload = /^(yes|true|on|1)$/i.test(value('allow_reload') ?? 'no');
  if (reasons.length && !allowReload) {
    setValue(s, 'allow_reload', 'yes');
    d.notes.push(
      `PJSIP [${name}]: ${reasons.join(', ')}; set allow_reload=yes so Asterisk applies it on reload`,
    );
  }
  if (reasons.length) d.edited.set(l.path, l);
  d.endpoints.push(endpoint('pjsip', `PJSIP [${name}]`, wantBind ?? bind, o.verifyHost, bind));
}

/** No TLS transport: one in pjsip_certkit.conf, #tryinclude'd from pjsip.conf unless it already is. */
function addManagedTransport(d: Draft, files: Loaded[]): void {
  const { o } = d;
  const managed = join(o.configDir, MANAGED_FILE);
  const bind = withPort(o.binds?.pjsip ?? `0.0.0.0:${DEFAULT_PORTS.pjsip}`, 'pjsip');
  const text = [
    `; Managed by certkit: the PJSIP TLS transport for lineage "${o.lineage}". Edits are overwritten.`,
    `[${MANAGED_TRANSPORT}]`,
    'type=transport',
    'protocol=tls',
    `bind=${bind}`,
    `cert_file=${d.ourCert}`,
    `priv_key_file=${d.ourKey}`,
    `method=${o.method}`,
    'allow_reload=yes',
    '',
  ].join('\n');
  d.deliver(d.ourCert, d.ourKey, `PJSIP [${MANAGED_TRANSPORT}]`);
  d.edited.set(managed, { path: managed, facts: d.read(managed), file: parseAsterisk(text) });
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
  if (!included) d.edited.set(main.path, main);
  d.endpoints.push(endpoint('pjsip', `PJSIP [${MANAGED_TRANSPORT}]`, bind, o.verifyHost));
  d.notes.push(`no PJSIP TLS transport found: adding [${MANAGED_TRANSPORT}] on ${bind} in ${managed}`);
}
