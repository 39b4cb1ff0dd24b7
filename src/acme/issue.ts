/**
 * One ACME issuance: order → authorizations → challenges → finalize → download. Writes nothing to the
 * store (the caller does, atomically, once everything succeeded), so an interrupted run leaves no trace.
 */
import type { KeyObject } from 'node:crypto';
import { CertkitError, usageError } from '../errors.js';
import { buildCsr } from '../csr/build.js';
import { isIpAddress } from '../csr/names.js';
import { splitPem } from '../pki/pem.js';
import type { AcmeSession } from './client.js';
import { explainValidation, type AcmeProblem } from './problems.js';
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

interface Authz {
  url: string;
  status: string;
  identifier: { type: string; value: string };
  wildcard?: boolean;
  challenges: { type: string; url: string; token: string; status: string; error?: AcmeProblem }[];
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

export async function issueCertificate(session: AcmeSession, req: IssueRequest): Promise<Issued> {
  const step = req.onStep ?? (() => {});
  const client = session.client;
  checkNamesForSolver(req.names, req.solver.type);
  const directory = await session.directory();
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
  const identifiers = req.names.map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n }));
  step(`order for ${req.names.join(', ')}`);
  const orderData: Record<string, unknown> = { identifiers };
  if (req.profile) orderData.profile = req.profile;
  if (req.replaces && directory.renewalInfo) orderData.replaces = req.replaces;
  let order = await session
    .call('creating the order', () => client.createOrder(orderData as never))
    .catch(async (err) => {
      if (!orderData.replaces) throw err;
      delete orderData.replaces; // the CA may refuse "replaces" (already replaced): order without it
      return session.call('creating the order', () => client.createOrder(orderData as never));
    });
  const authzs = (await session.call('fetching authorizations', () =>
    client.getAuthorizations(order),
  )) as unknown as Authz[];

  const presented: { ch: ChallengeContext; authz: Authz; challenge: Authz['challenges'][number] }[] = [];
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
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge as never);
      const ch: ChallengeContext = {
        identifier: authz.identifier.value,
        wildcard: !!authz.wildcard,
        token: challenge.token,
        keyAuthorization,
      };
      step(
        `${solver.type} challenge for ${authz.wildcard ? '*.' : ''}${ch.identifier} (${solver.describe()})`,
      );
      presented.push({ ch, authz, challenge });
      await solver.present(ch);
    }
    await Promise.all(
      presented.map(async ({ ch, authz, challenge }) => {
        await session.call(`answering the challenge for ${ch.identifier}`, () =>
          client.completeChallenge(challenge as never),
        );
        try {
          await client.waitForValidStatus(authz as never);
        } catch (err) {
          const [fresh] = (await client
            .getAuthorizations({ authorizations: [authz.url] } as never)
            .catch(() => [])) as unknown as Authz[];
          const problem = fresh?.challenges.find((c) => c.type === solver.type)?.error;
          throw explainValidation(
            `${authz.wildcard ? '*.' : ''}${ch.identifier}`,
            problem ?? { detail: (err as Error).message },
          );
        }
      }),
    );
  } finally {
    for (const { ch } of presented) await solver.cleanup(ch).catch(() => {});
    await solver.stop?.().catch(() => {});
  }

  step('finalize');
  const cn = req.names.find((n) => !isIpAddress(n) && n.length <= 64) ?? '';
  const csr = await buildCsr(req.key, { commonName: cn }, req.names);
  order = await session.call('finalizing the order', () => client.finalizeOrder(order, csr.pem));
  step('download');
  const pem = await session.call('downloading the certificate', () =>
    client.getCertificate(order, req.preferredChain),
  );
  const blocks = splitPem(pem).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new CertkitError('ca', 'the CA returned no certificate');
  return {
    certPem: blocks[0]!.text,
    chainPem: blocks
      .slice(1)
      .map((b) => b.text)
      .join(''),
    orderUrl: (order as { url?: string }).url ?? '',
  };
}
