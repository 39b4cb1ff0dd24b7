/**
 * Bind and port decisions, pure: ADDR:PORT parsed and written in one form, two listeners on one port detected
 * (and refused), a port for chan_sip that does not collide with PJSIP's, and the endpoint where each part is
 * verified (loopback for a wildcard bind, and where it listened before when certkit moves it).
 */
import { CertkitError } from '../../errors.js';
import { DEFAULT_PORTS, type AsteriskPart, type Endpoint } from './types.js';

export function parseBind(bind: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(bind.trim());
  const host = m?.[1] || '0.0.0.0';
  return { host, port: m?.[2] ? Number(m[2]) : defaultPort };
}

/** A bind with its port spelled out (the part's default when it names none), IPv6 hosts in brackets. */
export const withPort = (bind: string, part: AsteriskPart) => {
  const { host, port } = parseBind(bind, DEFAULT_PORTS[part]);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
};

export function overlaps(a: string, b: string, pa: AsteriskPart, pb: AsteriskPart): boolean {
  const x = parseBind(a, DEFAULT_PORTS[pa]);
  const y = parseBind(b, DEFAULT_PORTS[pb]);
  const any = (h: string) => h === '0.0.0.0' || h === '::' || h === '';
  return x.port === y.port && (x.host === y.host || any(x.host) || any(y.host));
}

/** Refuses a plan in which two parts would listen on the same port. */
export function refuseSharedPorts(endpoints: Endpoint[]): void {
  for (const [i, a] of endpoints.entries())
    for (const b of endpoints.slice(i + 1))
      if (overlaps(a.bind, b.bind, a.part, b.part))
        throw new CertkitError(
          'usage',
          `${a.what} (${a.bind}) and ${b.what} (${b.bind}) would listen on the same port`,
          `give each part its own port (--pjsip-bind, --http-bind, --manager-bind, --sip-bind ADDR:PORT)`,
        );
}

/** chan_sip's default bind: 5061 unless a listener already has it, then the next free port up. */
export function nonCollidingSipBind(endpoints: Endpoint[]): string {
  for (let port = DEFAULT_PORTS.sip; ; port++) {
    const bind = `0.0.0.0:${port}`;
    if (!endpoints.some((e) => overlaps(e.bind, bind, e.part, 'sip'))) return bind;
  }
}

/** The listener of a part at `bind`, reached at `verifyHost` when given; `before` is where it listened. */
export function endpoint(
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
