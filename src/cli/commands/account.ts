import {
  deactivate,
  liveAccount,
  register,
  requireAccount,
  rollover,
  showAccount,
} from '../../acme/account-ops.js';
import { requireTermsAccepted } from '../../acme/account.js';
import { resolveServer } from '../../acme/servers.js';
import { deadlinesFromSeconds } from '../../acme/client.js';
import { usageError } from '../../errors.js';
import { confirmOrRefuse } from '../confirm.js';
import { eabFromFlags } from '../../acme/eab.js';
import type { Context } from '../context.js';

export interface AccountFlags {
  server: string;
  email?: string | false;
  agreeTos?: boolean;
  eabKid?: string;
  eabHmacKeyFile?: string;
  dryRun?: boolean;
  timeout?: string;
  yes?: boolean;
}

export async function runAccount(ctx: Context, action: string, flags: AccountFlags): Promise<number> {
  let url: string;
  try {
    url = resolveServer(flags.server);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const deadlines = deadlinesFromSeconds(flags.timeout);
  // --quiet: a change that succeeded says nothing (show still answers: its output is what was asked for)
  const print = (obj: unknown, human: string) => {
    if (ctx.json) ctx.out(JSON.stringify({ schemaVersion: 1, ...(obj as object) }, null, 2));
    else if (!ctx.quiet || action === 'show') ctx.out(human);
  };
  if (action === 'register') {
    // an account already in the store is kept (a second registration would replace its key): say so
    const existing = await liveAccount(ctx.storeRoot, url);
    if (existing) {
      print(
        { ...existing, alreadyRegistered: true },
        `already registered: ${existing.url} (certkit account rollover changes its key)`,
      );
      return 0;
    }
  }
  if (action !== 'show' && flags.dryRun) {
    // what the real run would refuse before talking to the CA, the dry run refuses too
    if (action === 'register') {
      requireTermsAccepted(flags.agreeTos);
      await eabFromFlags(flags);
    } else if (action === 'rollover' || action === 'deactivate') await requireAccount(ctx.storeRoot, url);
    else throw usageError(`unknown action "${action}"`, 'use show, register, rollover or deactivate');
    print({ dryRun: true, action, directoryUrl: url }, `would ${action} the account at ${url}`);
    return 0;
  }
  switch (action) {
    case 'show': {
      const r = await showAccount(ctx.storeRoot, url, deadlines);
      print(
        r,
        [
          `CA          ${r.directoryUrl}`,
          `terms       ${r.termsOfService ?? '-'}`,
          `EAB needed  ${r.externalAccountRequired ? 'yes' : 'no'}    ARI ${r.ari ? 'yes' : 'no'}    profiles ${r.profiles.join(', ') || '-'}`,
          r.account
            ? `account     ${r.account.url} (${r.account.status ?? 'unknown'}) ${r.account.contact.join(' ')}`
            : 'account     none in the store (certkit account register --agree-tos)',
        ].join('\n'),
      );
      return 0;
    }
    case 'register': {
      const eab = await eabFromFlags(flags);
      const r = await register(ctx.storeRoot, url, {
        email: flags.email || undefined,
        agreeTos: !!flags.agreeTos,
        eab,
        deadlines,
      });
      print(
        { ...r.record, alreadyRegistered: r.alreadyRegistered },
        r.alreadyRegistered ? `already registered: ${r.record.url}` : `registered ${r.record.url}`,
      );
      return 0;
    }
    case 'rollover': {
      const r = await rollover(ctx.storeRoot, url, deadlines);
      print({ ...r, rolledOver: true }, `new account key in use for ${r.url}`);
      return 0;
    }
    case 'deactivate': {
      await confirmOrRefuse(
        ctx,
        !!flags.yes,
        `Deactivate the ACME account at ${url}? This cannot be undone.`,
      );
      const r = await deactivate(ctx.storeRoot, url, deadlines);
      print({ ...r, deactivated: true }, `deactivated ${r.url} (this cannot be undone)`);
      return 0;
    }
    default:
      throw usageError(`unknown action "${action}"`, 'use show, register, rollover or deactivate');
  }
}
