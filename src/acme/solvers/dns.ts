/**
 * dns-01 solvers. The hook is a user script run as `sh -c CMD` with (documented) environment:
 *   CERTKIT_DNS_ACTION  present | cleanup
 *   CERTKIT_DNS_NAME    _acme-challenge.example.com. (FQDN with trailing dot)
 *   CERTKIT_DNS_VALUE   the TXT value
 *   CERTKIT_DOMAIN      example.com (the identifier; "*." removed)
 * After present, certkit waits until the TXT record is visible at --dns-resolver (default: system resolvers).
 */
import { runShell } from '../../util/shell.js';
import { createHash } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { CertkitError } from '../../errors.js';
import type { ChallengeContext, ChallengeSolver } from './types.js';

/** The TXT value for a dns-01 key authorization (RFC 8555 §8.4). */
export function dnsTxtValue(keyAuthorization: string): string {
  return createHash('sha256').update(keyAuthorization).digest('base64url');
}

export function dnsRecordName(identifier: string): string {
  return `_acme-challenge.${identifier}.`;
}

const runHook = runShell;

/** "1.2.3.4", "1.2.3.4:5353", "::1" or "[::1]:5353" as node's Resolver wants it. */
export function resolverServer(addr: string): string {
  if (addr.startsWith('[')) return addr;
  if ((addr.match(/:/g) ?? []).length > 1) return `[${addr}]`;
  return addr;
}

export async function waitForTxt(
  name: string,
  value: string,
  resolverAddr: string | undefined,
  timeoutMs: number,
): Promise<void> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  if (resolverAddr) resolver.setServers([resolverServer(resolverAddr)]);
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    try {
      const records = await resolver.resolveTxt(name.replace(/\.$/, ''));
      if (records.some((r) => r.join('') === value)) return;
    } catch {
      /* not there yet */
    }
    if (Date.now() > deadline) {
      throw new CertkitError(
        'network',
        `the TXT record ${name} did not become visible within ${Math.round(timeoutMs / 1000)} s`,
        'check the DNS hook, or raise --dns-wait',
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

export class DnsHookSolver implements ChallengeSolver {
  readonly type = 'dns-01';
  constructor(
    private readonly hook: string,
    private readonly resolver: string | undefined,
    private readonly waitMs = 120_000,
  ) {}
  describe() {
    return `dns-01 hook ${this.hook}`;
  }
  private env(action: string, ch: ChallengeContext) {
    return {
      CERTKIT_DNS_ACTION: action,
      CERTKIT_DNS_NAME: dnsRecordName(ch.identifier),
      CERTKIT_DNS_VALUE: ch.keyAuthorization,
      CERTKIT_DOMAIN: ch.identifier,
    };
  }
  async present(ch: ChallengeContext) {
    const r = await runHook(this.hook, this.env('present', ch), 120_000);
    if (r.code !== 0) {
      throw new CertkitError(
        'environment',
        `the DNS hook failed for ${ch.identifier} (exit ${r.code})${r.output ? `: ${r.output.split('\n').pop()}` : ''}`,
        'run the hook by hand with CERTKIT_DNS_ACTION=present to debug it',
      );
    }
    await waitForTxt(dnsRecordName(ch.identifier), ch.keyAuthorization, this.resolver, this.waitMs);
  }
  async cleanup(ch: ChallengeContext) {
    await runHook(this.hook, this.env('cleanup', ch), 60_000);
  }
}

export class ManualSolver implements ChallengeSolver {
  readonly type: 'dns-01' | 'http-01';
  constructor(
    readonly kind: 'dns-01' | 'http-01',
    private readonly say: (line: string) => void,
    private readonly waitEnter: () => Promise<void>,
  ) {
    this.type = kind;
  }
  describe() {
    return `manual ${this.kind}`;
  }
  async present(ch: ChallengeContext) {
    if (this.kind === 'dns-01') {
      this.say(
        `Create this DNS record, then press Enter:\n  ${dnsRecordName(ch.identifier)} 60 IN TXT "${ch.keyAuthorization}"`,
      );
    } else {
      this.say(
        `Serve this file, then press Enter:\n  http://${ch.identifier}/.well-known/acme-challenge/${ch.token}\n  content: ${ch.keyAuthorization}`,
      );
    }
    await this.waitEnter();
  }
  async cleanup(ch: ChallengeContext) {
    if (this.kind === 'dns-01') this.say(`You can now remove the TXT record ${dnsRecordName(ch.identifier)}`);
  }
}
