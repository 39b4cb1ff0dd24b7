import { CertkitError, RuleViolationError } from '../../errors.js';
import { generatePrivateKey, parseKeyType, privateKeyToPem } from '../../csr/keygen.js';
import { normalizeName } from '../../csr/names.js';
import { nameViolations } from '../../csr/rules.js';
import { buildSelfSigned } from '../../csr/selfsigned.js';
import { lineageNameFor } from '../../store/paths.js';
import { Store } from '../../store/store.js';
import type { Context } from '../context.js';

export interface SelfSignedFlags {
  domain?: string[];
  keyType?: string;
  days: string;
  name?: string;
  dryRun?: boolean;
}

export async function runSelfSigned(ctx: Context, flags: SelfSignedFlags): Promise<number> {
  const names = (flags.domain ?? []).map((d) => normalizeName(d).ascii);
  if (names.length === 0)
    throw new CertkitError(
      'usage',
      'no names given',
      'give them: certkit selfsigned NAME [NAME...] (or -d NAME)',
    );
  // internal names are what self-signed certificates are for; broken ones ('www.exa mple.com') are not
  const violations = names.flatMap((n) => nameViolations(n, { privateCa: true }));
  if (violations.length) throw new RuleViolationError(violations, 'nothing was written');
  const days = Number(flags.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new CertkitError('usage', `--days must be 1..3650, not "${flags.days}"`);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- names is non-empty (checked just above)
  const name = flags.name ?? lineageNameFor(names[0]!);
  Store.checkName(name);
  if (flags.dryRun) {
    ctx.out(
      ctx.json
        ? JSON.stringify({ schemaVersion: 1, dryRun: true, name, names, days })
        : `would create self-signed lineage "${name}" for ${names.join(', ')}`,
    );
    return 0;
  }
  const key = await generatePrivateKey(parseKeyType(flags.keyType ?? 'ecdsa-p256'));
  const certPem = await buildSelfSigned(key, names, days);
  const store = new Store(ctx.storeRoot);
  const version = await store.locked(async () => {
    const existing = await store.readSettings(name);
    const now = ctx.now.toISOString();
    const v = await store.addVersion(name, { certPem, chainPem: '', keyPem: privateKeyToPem(key) });
    await store.writeSettings({
      ...(existing ?? {}),
      schemaVersion: 1,
      name,
      source: 'self-signed',
      domains: names,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return v;
  });
  if (ctx.json)
    ctx.out(
      JSON.stringify({
        schemaVersion: 1,
        name,
        version,
        names,
        days,
        selfSigned: true,
        livePath: store.liveDir(name),
      }),
    );
  else if (!ctx.quiet)
    ctx.out(
      `self-signed lineage "${name}" version ${version} for ${names.join(', ')} (${days} days): ${store.liveDir(name)}`,
    );
  return 0;
}
