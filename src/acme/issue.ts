/**
 * One ACME issuance: order → authorizations → challenges → finalize → download. Writes nothing to the
 * store (the caller does, atomically, once everything succeeded), so an interrupted run leaves no trace.
 */
import type { KeyObject } from 'node:crypto';
import { CertkitError, usageError } from '../errors.js';
import { buildCsr } from '../csr/build.js';
import { isIpAddress } from '../csr/names.js';
import { splitPem } from '../pki/pem.js';
import type { AcmeClient, Authorization, Challenge, Identifier } from './client.js';
import { dnsTxtValue } from './solvers/dns.js';
import type { ChallengeContext, ChallengeSolver } from './solvers/types.js';

export interface IssueRequest {
  names: string[];
  key: KeyObject;
  solver: ChallengeSolver;
  profile?: string;
  preferredChain?: string;
  /** ARI certID of the certificate this order replaces (RFC 9773) */
  replaces?: string;
  onStep?: (message: string) => void;
}

export interface Issued {
  certPem: string;
  chainPem: string;
  orderUrl: string;
}

export function checkNamesForSolver(names: string[], solverType: string): void {
  const wild = names.filter((n) => n.startsWith('*.'));
  if (wild.length && solverType !== 'dns-01') {
    throw usageError(
      `${wild.join(', ')}: wildcard names can only be validated with dns-01`,
      'use --dns-hook CMD (or --manual) for wildcards',
    );
  }
  const ips = names.filter(isIpAddress);
  if (ips.length && solverType === 'dns-01') {
    throw usageError(
      `${ips.join(', ')}: IP addresses cannot be validated with dns-01`,
      'use --standalone or --webroot for IP identifiers',
    );
  }
}

export async function issueCertificate(client: AcmeClient, req: IssueRequest): Promise<Issued> {
  const step = req.onStep ?? (() => {});
  checkNamesForSolver(req.names, req.solver.type);
  const directory = await client.directory();
  if (req.profile) {
    const profiles = directory.meta?.profiles;
    if (!profiles)
      throw usageError(`this CA advertises no ACME profiles, so --profile ${req.profile} cannot be used`);
    if (!(req.profile in profiles))
      throw usageError(
        `the CA has no profile "${req.profile}"`,
        `it offers: ${Object.keys(profiles).join(', ')}`,
      );
  }
  const identifiers: Identifier[] = req.names.map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n }));
  step(`order for ${req.names.join(', ')}`);
  const replaces = req.replaces && directory.renewalInfo ? req.replaces : undefined;
  let order = await client
    .newOrder({ identifiers, profile: req.profile, replaces })
    .catch(async (err: unknown) => {
      if (!replaces) throw err;
      // the CA may refuse "replaces" (already replaced): order without it
      return client.newOrder({ identifiers, profile: req.profile });
    });
  const authzs = await client.authorizations(order);

  const presented: { ch: ChallengeContext; authz: Authorization; challenge: Challenge }[] = [];
  const solver = req.solver;
  try {
    await solver.start?.();
    for (const authz of authzs) {
      if (authz.status === 'valid') continue;
      const challenge = authz.challenges.find((c) => c.type === solver.type);
      if (!challenge) {
        throw new CertkitError(
          'ca',
          `${authz.identifier.value}: the CA offers no ${solver.type} challenge`,
          `it offers ${authz.challenges.map((c) => c.type).join(', ')}`,
        );
      }
      const keyAuthorization = client.keyAuthorization(challenge);
      const ch: ChallengeContext = {
        identifier: authz.identifier.value,
        wildcard: authz.wildcard,
        token: challenge.token,
        keyAuthorization: solver.type === 'dns-01' ? dnsTxtValue(keyAuthorization) : keyAuthorization,
      };
      step(
        `${solver.type} challenge for ${authz.wildcard ? '*.' : ''}${ch.identifier} (${solver.describe()})`,
      );
      presented.push({ ch, authz, challenge });
      await solver.present(ch);
    }
    await Promise.all(
      presented.map(async ({ ch, authz, challenge }) => {
        await client.answer(challenge, ch.identifier);
        await client.waitForAuthorization(authz, solver.type);
      }),
    );
  } finally {
    for (const { ch } of presented) await solver.cleanup(ch).catch(() => {});
    await solver.stop?.().catch(() => {});
  }

  step('finalize');
  const cn = req.names.find((n) => !isIpAddress(n) && n.length <= 64) ?? '';
  const csr = await buildCsr(req.key, { commonName: cn }, req.names);
  order = await client.finalize(order, csr.der);
  step('download');
  const pem = await client.download(order, req.preferredChain);
  const blocks = splitPem(pem).filter((b) => b.label === 'CERTIFICATE');
  const [leaf, ...chain] = blocks;
  if (!leaf) throw new CertkitError('ca', 'the CA returned no certificate');
  return {
    certPem: leaf.text,
    chainPem: chain.map((b) => b.text).join(''),
    orderUrl: order.url,
  };
}
