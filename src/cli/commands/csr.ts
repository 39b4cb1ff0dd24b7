import { CertkitError } from '../../errors.js';
import type { DcvData } from '../../csr/dcv.js';
import { parseKeyType } from '../../csr/keygen.js';
import {
  planCsrOrder,
  writeCsrOrder,
  type CsrOrderInput,
  type CsrOrderResult,
  type Product,
} from '../../csr/order.js';
import { nextSteps, runWizard, type Prompter, type WizardAnswers } from '../../csr/wizard.js';
import { Store } from '../../store/store.js';
import { readSecret } from '../../util/secret.js';
import type { Context } from '../context.js';

export interface CsrFlags {
  domain?: string[];
  key?: string;
  keyType?: string;
  cn?: string;
  org?: string;
  ou?: string;
  locality?: string;
  state?: string;
  country?: string;
  email?: string;
  outDir: string;
  name?: string;
  passphraseFile?: string;
  wizard?: boolean;
  product?: string;
  yes?: boolean;
  force?: boolean;
  dryRun?: boolean;
  pending?: boolean;
  privateCa?: boolean;
}

const PRODUCTS = ['dv', 'ov', 'ev', 'wildcard'];

function storeFlag(ctx: Context): string {
  return ctx.storeRoot === process.env.CERTKIT_STORE || !ctx.storeRoot ? '' : ` --store ${ctx.storeRoot}`;
}

/** The domain-control forms in one line: no HTTP file for an order with a wildcard (DNS or email only). */
function dcvLine(d: DcvData): string {
  const domain = d.approverEmails[0]?.split('@')[1];
  const forms = [
    d.httpFile && `file ${d.httpFile.path}`,
    d.cname && `CNAME ${d.cname.name} → ${d.cname.target}`,
    !d.httpFile && domain && `or email to an approver address at ${domain}`,
  ].filter(Boolean);
  return forms.join('  ') + (d.httpFile ? '' : ' (a wildcard: no HTTP file validation)');
}

function printResult(ctx: Context, r: CsrOrderResult, wizard: boolean): void {
  if (ctx.json) {
    ctx.out(JSON.stringify({ schemaVersion: 1, ...r }, null, 2));
    return;
  }
  for (const n of r.notes) ctx.err(`note: ${n}`);
  if (wizard) {
    for (const l of nextSteps(r, storeFlag(ctx))) ctx.out(l);
    return;
  }
  if (ctx.quiet) return;
  if (r.keyFile) ctx.out(`key   ${r.keyFile} (${r.keyType}, 0600)`);
  ctx.out(`csr   ${r.csrFile}`);
  ctx.out(`names ${r.names.join(', ')}`);
  if (r.pendingLineage)
    ctx.out(
      `recorded as pending order ${r.orderId} of "${r.pendingLineage}": when the certificate arrives, run certkit import --cert FILE`,
    );
  if (r.dcv) ctx.out(`DCV   ${dcvLine(r.dcv)}`);
}

export async function runCsr(
  ctx: Context,
  flags: CsrFlags,
  prompterFactory?: () => Promise<Prompter>,
): Promise<number> {
  if (flags.product && !PRODUCTS.includes(flags.product)) {
    throw new CertkitError('usage', `unknown product "${flags.product}"`, `choose ${PRODUCTS.join(', ')}`);
  }
  let input: CsrOrderInput = {
    names: flags.domain ?? [],
    commonName: flags.cn,
    organization: flags.org,
    organizationalUnit: flags.ou,
    locality: flags.locality,
    state: flags.state,
    country: flags.country,
    emailAddress: flags.email,
    keyFile: flags.key,
    keyPassphrase: await readSecret(flags.passphraseFile, 'CERTKIT_PASSPHRASE', { refuseEmpty: true }),
    keyType: parseKeyType(flags.keyType ?? 'ecdsa-p256'),
    outDir: flags.outDir,
    lineageName: flags.name,
    product: flags.product as Product | undefined,
    force: flags.force,
    privateCa: flags.privateCa,
  };
  if (flags.wizard) {
    const interactive = !!prompterFactory || (process.stdin.isTTY && process.stdout.isTTY && !ctx.json);
    const given: WizardAnswers = {
      product: input.product,
      names: input.names.length ? input.names : undefined,
      keyType: flags.keyType ? input.keyType : undefined,
      organization: flags.org,
      locality: flags.locality,
      state: flags.state,
      country: flags.country,
      yes: flags.yes,
      privateCa: flags.privateCa,
    };
    const prompter = interactive
      ? await (prompterFactory ?? (await import('../../csr/inquirer-prompter.js')).inquirerPrompter)()
      : null;
    let answers;
    try {
      answers = await runWizard(given, prompter, (l) => ctx.out(l));
    } catch (err) {
      if ((err as Error).name === 'ExitPromptError') {
        ctx.err('certkit: cancelled; nothing was written');
        return 130;
      }
      throw err;
    }
    if (!answers) {
      ctx.err('certkit: cancelled; nothing was written');
      return 1;
    }
    input = {
      ...input,
      product: answers.product,
      names: answers.names,
      keyType: answers.keyType,
      organization: answers.organization,
      locality: answers.locality,
      state: answers.state,
      country: answers.country,
    };
  } else if (input.names.length === 0) {
    throw new CertkitError(
      'usage',
      'no names given',
      'give them: certkit csr NAME [NAME...] (or -d NAME), or use --wizard',
    );
  }
  const plan = await planCsrOrder(input);
  if (flags.dryRun) {
    ctx.out(
      ctx.json
        ? JSON.stringify({ schemaVersion: 1, dryRun: true, names: plan.names, subject: plan.subject })
        : `would write a CSR for ${plan.names.join(', ')} to ${input.outDir}`,
    );
    return 0;
  }
  const store = flags.pending === false ? null : new Store(ctx.storeRoot);
  const result = await writeCsrOrder(input, plan, store);
  printResult(ctx, result, !!flags.wizard);
  return 0;
}
