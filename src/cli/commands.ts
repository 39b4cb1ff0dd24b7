/** Every command: flags, help with examples, and a lazy import of the code that runs it. */
import { Command, Option } from 'commander';
import type { Context } from './context.js';

type Runner = (fn: (ctx: Context) => Promise<number>) => Promise<void>;
const collect = (v: string, prev: string[] = []) => [...prev, v];

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

export function registerCommands(program: Command, run: Runner): void {
  program
    .command('inspect')
    .summary('show what a certificate, chain, key, CSR, .p7b or .pfx holds')
    .description(
      'Show the facts of certificates, chains, keys and CSRs in any form: PEM, DER, PKCS#7 (.p7b), PKCS#12 (.pfx/.p12).\n' +
        'A bundle is put in leaf-first order and checked against the system trust store (plus --ca-file).\n' +
        'Directories are read recursively; files in them that hold no certificate material are skipped and counted.',
    )
    .argument('<files...>', 'files or directories; - reads stdin')
    .option('--key <file>', 'say whether this private key matches the (leaf) certificate')
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM), repeatable', collect)
    .option('--password-file <file>', 'PKCS#12 password or key passphrase (else $CERTKIT_PASSWORD)')
    .addHelpText(
      'after',
      examples(
        'certkit inspect /etc/ssl/certs/server.pem',
        'certkit inspect bundle.p7b --json',
        'certkit inspect cert.pem --key privkey.pem',
        'CERTKIT_PASSWORD=... certkit inspect legacy.pfx',
        'openssl s_client -connect host:443 -showcerts </dev/null | certkit inspect -',
      ) + 'Exit: 0 read fine, 1 the key does not match, 2 unreadable or not certificate material.\n',
    )
    .action((files: string[], flags) =>
      run(async (ctx) => (await import('./commands/inspect.js')).runInspect(ctx, files, flags)),
    );

  program
    .command('list')
    .summary('list the lineages in the store')
    .description('List every lineage: names, expiry, issuer, source (acme, imported, self-signed, pending CSR).')
    .addHelpText('after', examples('certkit list', 'certkit list --json', 'certkit --store /srv/certs list'))
    .action(() => run(async (ctx) => (await import('./commands/list.js')).runList(ctx)));

  void Option;
}
