import { importCertificate } from '../../import/import.js';
import { loadTrustStore } from '../../pki/trust.js';
import { Store } from '../../store/store.js';
import { readSecret } from '../../util/secret.js';
import type { Context } from '../context.js';

export interface ImportFlags {
  cert?: string[];
  chain?: string[];
  key?: string;
  pfx?: string;
  passwordFile?: string;
  name?: string;
  offline?: boolean;
  caFile?: string[];
  dryRun?: boolean;
  force?: boolean;
}

export async function runImport(ctx: Context, flags: ImportFlags): Promise<number> {
  const store = new Store(ctx.storeRoot);
  const result = await importCertificate(
    {
      certFiles: flags.cert ?? [],
      chainFiles: flags.chain,
      keyFile: flags.key,
      pfxFile: flags.pfx,
      password: await readSecret(flags.passwordFile, 'CERTKIT_PASSWORD'),
      name: flags.name,
      offline: flags.offline,
      dryRun: flags.dryRun,
      force: flags.force,
      now: ctx.now,
    },
    store,
    loadTrustStore(flags.caFile ?? []),
  );
  if (ctx.json) {
    ctx.out(JSON.stringify({ schemaVersion: 1, dryRun: !!flags.dryRun, ...result }, null, 2));
    return 0;
  }
  for (const n of result.notes) ctx.err(`note: ${n}`);
  if (ctx.quiet) return 0;
  const verb = flags.dryRun ? 'would import' : `imported as "${result.name}" version ${result.version}`;
  ctx.out(`${verb}: ${result.names.join(', ')} (issuer ${result.issuer}, ${result.daysLeft} days left)`);
  ctx.out(
    `chain ${result.chainLength} certificate(s) leaf first${result.fetched.length ? `, fetched ${result.fetched.join(' ')}` : ''}; key from ${result.keyFrom === 'pending-csr' ? 'the pending CSR' : 'the given files'}`,
  );
  if (!flags.dryRun) ctx.out(`live files: ${result.livePath}/{fullchain.pem,privkey.pem,cert.pem,chain.pem}`);
  return 0;
}
