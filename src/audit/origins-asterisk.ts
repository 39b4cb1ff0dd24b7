/**
 * The listeners an Asterisk configuration opens (defaults as Asterisk applies them): PJSIP transports,
 * http.conf (HTTP and HTTPS), manager.conf (AMI and AMI over TLS), sip.conf (chan_sip UDP/TCP/TLS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { factsReader, loadWithIncludes } from '../deploy/asterisk/files.js';
import { effectiveValue, isTemplate, parseAsterisk, type AstFile } from '../deploy/asterisk/parser.js';
import { liveView } from '../deploy/snapshot.js';
import type { AsteriskListener, AsteriskPart } from './origins.js';

const yes = (v: string | undefined) => /^(yes|true|y|t|1|on)$/i.test((v ?? '').trim());

/** "0.0.0.0:5061", "[::]:5061", "127.0.0.1", "" -> address and port (or the default port) */
export function splitBind(v: string | undefined, defaultPort: number): { address: string; port: number } {
  const s = (v ?? '').trim();
  if (!s) return { address: '0.0.0.0', port: defaultPort };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { address: v6[1] ?? '::', port: v6[2] ? Number(v6[2]) : defaultPort };
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m) return { address: m[1] ?? '0.0.0.0', port: m[2] ? Number(m[2]) : defaultPort };
  return { address: s, port: defaultPort };
}

function read(dir: string, name: string): { file: string; ast: AstFile } | null {
  const file = join(dir, name);
  if (!existsSync(file)) return null;
  return { file, ast: parseAsterisk(readFileSync(file, 'utf8')) };
}

function general(ast: AstFile, key: string): string | undefined {
  const g = ast.sections.find((s) => s.header.name.toLowerCase() === 'general');
  return g ? effectiveValue(ast, g, key) : undefined;
}

export function asteriskListeners(dir = '/etc/asterisk'): AsteriskListener[] {
  const out: AsteriskListener[] = [];
  const add = (
    part: AsteriskPart,
    section: string,
    file: string,
    transport: 'tcp' | 'udp',
    bind: { address: string; port: number },
    tls: boolean,
  ) => out.push({ part, section, file, transport, tls, ...bind });

  // pjsip.conf with the files it #includes (globs too), as Asterisk reads it: certkit's own TLS transport lives
  // in pjsip_certkit.conf, and many setups keep transports in pjsip.d/*.conf; templates apply across files
  const pjsipFiles = loadWithIncludes(dir, 'pjsip.conf', factsReader(liveView(new Map())));
  const pjsip: AstFile = { preamble: [], sections: pjsipFiles.flatMap((f) => f.file.sections) };
  const fileOf = new Map(pjsipFiles.flatMap((f) => f.file.sections.map((s) => [s, f.path] as const)));
  for (const s of pjsip.sections) {
    if (isTemplate(s) || (effectiveValue(pjsip, s, 'type') ?? '').toLowerCase() !== 'transport') continue;
    const proto = (effectiveValue(pjsip, s, 'protocol') ?? 'udp').toLowerCase();
    // ws/wss transports listen through http.conf's server, not on a port of their own
    if (proto === 'ws' || proto === 'wss') continue;
    const tls = proto === 'tls';
    const bind = splitBind(effectiveValue(pjsip, s, 'bind'), tls ? 5061 : 5060);
    add(
      'pjsip',
      s.header.name,
      fileOf.get(s) ?? join(dir, 'pjsip.conf'),
      proto === 'udp' ? 'udp' : 'tcp',
      bind,
      tls,
    );
  }
  const http = read(dir, 'http.conf');
  if (http && yes(general(http.ast, 'enabled'))) {
    const port = Number(general(http.ast, 'bindport') ?? 8088);
    add(
      'http',
      'general',
      http.file,
      'tcp',
      { address: general(http.ast, 'bindaddr') ?? '0.0.0.0', port },
      false,
    );
    if (yes(general(http.ast, 'tlsenable')))
      add('http', 'general', http.file, 'tcp', splitBind(general(http.ast, 'tlsbindaddr'), 8089), true);
  }
  const manager = read(dir, 'manager.conf');
  if (manager && yes(general(manager.ast, 'enabled'))) {
    const port = Number(general(manager.ast, 'port') ?? 5038);
    add(
      'manager',
      'general',
      manager.file,
      'tcp',
      { address: general(manager.ast, 'bindaddr') ?? '0.0.0.0', port },
      false,
    );
    if (yes(general(manager.ast, 'tlsenable')))
      add(
        'manager',
        'general',
        manager.file,
        'tcp',
        splitBind(general(manager.ast, 'tlsbindaddr'), 5039),
        true,
      );
  }
  const sip = read(dir, 'sip.conf');
  if (sip) {
    const port = Number(general(sip.ast, 'bindport') ?? 5060);
    const udp = splitBind(general(sip.ast, 'udpbindaddr') ?? general(sip.ast, 'bindaddr'), port);
    add('sip', 'general', sip.file, 'udp', udp, false);
    if (yes(general(sip.ast, 'tcpenable')))
      add('sip', 'general', sip.file, 'tcp', splitBind(general(sip.ast, 'tcpbindaddr'), port), false);
    if (yes(general(sip.ast, 'tlsenable')))
      add('sip', 'general', sip.file, 'tcp', splitBind(general(sip.ast, 'tlsbindaddr'), 5061), true);
  }
  return out;
}
