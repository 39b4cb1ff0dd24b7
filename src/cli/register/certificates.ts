import { Command, Option } from 'commander';
import { collect, examples, type Runner } from './shared.js';
import type { InspectFlags } from '../commands/inspect.js';
import type { KeyFlags } from '../commands/key.js';
import type { CsrFlags } from '../commands/csr.js';
import type { ImportFlags } from '../commands/import.js';
import type { SelfSignedFlags } from '../commands/selfsigned.js';

/** Names given as arguments (as `request` takes them) come before the -d ones; none at all stays undefined. */
function withNames(names: string[], domain: string[] | undefined): string[] | undefined {
  const all = [...names, ...(domain ?? [])];
  return all.length ? all : undefined;
}

/** inspect, list, key, csr, import, selfsigned: certificates, keys and the store. */
export function registerCertificates(program: Command, run: Runner): void {
  program
    .command('inspect')
    .summary('show what a certificate, chain, key, CSR, .p7b or .pfx holds')
    .description(
      'Show the facts of certificates, chains, keys and CSRs in any form: PEM, DER, PKCS#7 (.p7b), PKCS#12 (.pfx/.p12).\n' +
        'A bundle is put in leaf-first order and checked against the system trust store (plus --ca-file).\n' +
        'Directories are read recursively; files in them that hold no certificate material are skipped and counted\n' +
        '(an empty directory, or one that cannot be read, is an error). A server is given with its port: a name\n' +
        'that is neither on disk nor HOST:PORT (or a URL such as https://HOST) is a missing file.',
    )
    .argument('<files...>', 'files or directories; - reads stdin; HOST:PORT shows the chain a server sends')
    .option('--key <file>', 'say whether this private key matches the (leaf) certificate')
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM), repeatable', collect)
    .option('--no-system-roots', 'trust only --ca-file (not the system roots)')
    .option('--password-file <file>', 'PKCS#12 password or key passphrase (else $CERTKIT_PASSWORD)')
    .option(
      '--starttls <proto>',
      'for host:port: smtp, imap, pop3, ftp, xmpp, postgres, ldap (default: by port)',
    )
    .option('--timeout <seconds>', 'for host:port', '10')
    .addHelpText(
      'after',
      examples(
        'certkit inspect /etc/ssl/certs/server.pem',
        'certkit inspect mail.example.com:587',
        'certkit inspect bundle.p7b --json',
        'certkit inspect cert.pem --key privkey.pem',
        'CERTKIT_PASSWORD=... certkit inspect legacy.pfx',
        'openssl s_client -connect host:443 -showcerts </dev/null | certkit inspect -',
      ) +
        'Exit: 0 read fine, 1 the key does not match, 2 missing, unreadable or not certificate material,\n' +
        '6 the server cannot be reached, 8 permission denied.\n',
    )
    .action((files: string[], flags: InspectFlags) =>
      run(async (ctx) => (await import('../commands/inspect.js')).runInspect(ctx, files, flags)),
    );

  program
    .command('list')
    .summary('list the lineages in the store')
    .description(
      'List every lineage: names, expiry, issuer, source (acme, imported, self-signed, pending CSR).',
    )
    .addHelpText(
      'after',
      examples('certkit list', 'certkit list --json', 'certkit --store /srv/certs list') +
        'Exit: 0 fine, 1 a lineage is broken (named on stderr), 8 the store cannot be read.\n',
    )
    .action(() => run(async (ctx) => (await import('../commands/list.js')).runList(ctx)));

  program
    .command('key')
    .summary('generate a private key (ECDSA or RSA, native crypto)')
    .description(
      "Generate a private key with node's native crypto, written 0600 atomically. Never overwrites without --force.",
    )
    .addOption(
      new Option('--type <type>', 'key type')
        .choices(['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'])
        .default('ecdsa-p256'),
    )
    .requiredOption('--out <file>', 'where to write the key (PEM, PKCS#8)')
    .option('--encrypt', 'encrypt with AES-256 (passphrase from --passphrase-file or $CERTKIT_PASSPHRASE)')
    .option('--passphrase-file <file>', 'passphrase file (implies --encrypt)')
    .option('--force', 'replace an existing file')
    .option('--dry-run', 'say what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit key --out /etc/ssl/private/www.key',
        'certkit key --type rsa-3072 --out legacy.key',
        'certkit key --out enc.key --passphrase-file pass.txt',
      ),
    )
    .action((flags: KeyFlags) => run(async (ctx) => (await import('../commands/key.js')).runKey(ctx, flags)));

  program
    .command('csr')
    .summary('make a CSR for a paid CA (CA/B Forum rules enforced), or --wizard to be guided')
    .description(
      'Make a key and a CSR for a commercial CA, enforcing the CA/Browser Forum rules so the order is not rejected.\n' +
        'The CN defaults to the first name and must be one of the names. IDNs become punycode; an xn-- label must\n' +
        'decode. Internal names (.local, .internal, .lan, .home.arpa, single labels) and private or reserved IP\n' +
        'addresses are refused unless --private-ca; so is a wildcard directly under a public suffix (*.co.uk).\n' +
        'The key and CSR are recorded as a new pending order in the store (earlier orders are kept), so\n' +
        '`certkit import` later finds the key by itself; a CSR for an existing lineage with more names adds them\n' +
        'when the certificate is imported.\n' +
        'The domain-control forms shown are Sectigo-style: DNS or email only for an order with a wildcard.',
    )
    .argument('[names...]', 'the names (DNS or IP) to cover, as with -d; the first is the CN')
    .option(
      '-d, --domain <name>',
      'a name (DNS or IP) the certificate covers; repeatable (or comma-separated)',
      collect,
    )
    .option(
      '--private-ca',
      'the certificate is for an internal CA: allow internal names and private addresses',
    )
    .option('--key <file>', 'use this existing private key')
    .option(
      '--key-type <type>',
      'key to generate: ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096',
    )
    .option('--passphrase-file <file>', 'passphrase of an encrypted --key (else $CERTKIT_PASSPHRASE)')
    .option('--cn <name>', 'common name (default: the first name)')
    .option('--org <name>', 'organisation (OV/EV)')
    .option('--locality <city>', 'city (OV/EV)')
    .option('--state <state>', 'state or province (OV/EV)')
    .option('--country <CC>', 'ISO 3166 two-letter country code (OV/EV)')
    .option('--ou <unit>', 'organisational unit: refused, the CA/B rules forbid it since 2022')
    .option('--email <address>', 'emailAddress in the subject: refused, not allowed')
    .option('--out-dir <dir>', 'where to write the key and CSR', '.')
    .option('--name <lineage>', 'name of the pending order in the store (default: the first name)')
    .option('--no-pending', 'do not record a pending order in the store')
    .option('--wizard', 'ask step by step (on a terminal); without one, every answer must be a flag')
    .option('--product <type>', 'wizard: dv, ov, ev or wildcard')
    .option('-y, --yes', 'wizard: skip the confirmation')
    .option('--force', 'replace existing files')
    .option('--dry-run', 'check the rules and show what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit csr www.example.com example.com',
        'certkit csr -d www.example.com -d example.com   # the same',
        'certkit csr -d shop.example.com --org "Example Ltd" --locality London --country GB --key-type rsa-2048',
        'certkit csr --wizard',
        'certkit csr --private-ca -d pbx.office.lan -d 10.0.0.5   # for an internal CA',
        'certkit csr --wizard --product wildcard -d "*.example.com" -d example.com --yes   # no TTY needed',
      ) + 'Exit: 0 written, 2 a rule refused the request (one line per rule; nothing written).\n',
    )
    .action((names: string[], flags: CsrFlags) =>
      run(async (ctx) =>
        (await import('../commands/csr.js')).runCsr(ctx, {
          ...flags,
          domain: withNames(names, flags.domain),
        }),
      ),
    );

  program
    .command('import')
    .summary('import a CA-issued certificate in any form, fixing the chain')
    .description(
      'Import a certificate from a CA (PEM, DER, .p7b, .pfx/.p12) into the store as a new lineage version:\n' +
        'the chain is rebuilt leaf-first, missing intermediates are fetched from the AIA URL (unless --offline),\n' +
        'the root is left out, and the key is matched (or found among pending CSRs); when the files hold several\n' +
        'server certificates, the one the key (or a pending CSR) belongs to is imported. Refuses, leaving the store\n' +
        'unchanged: an expired certificate, one not valid yet (unless --force), a CA certificate (it is not a\n' +
        'server certificate), and a key that does not match.',
    )
    .option('--cert <file>', 'certificate or bundle (repeatable)', collect)
    .option('--chain <file>', 'intermediate(s) sent separately (repeatable)', collect)
    .option('--key <file>', 'the private key (default: found among pending CSRs)')
    .option('--pfx <file>', 'a PKCS#12 file holding certificate, chain and key')
    .option('--password-file <file>', 'PKCS#12 password or key passphrase (else $CERTKIT_PASSWORD)')
    .option('--name <lineage>', "lineage name (default: the pending order, else the certificate's name)")
    .option('--ca-file <file>', 'extra trusted roots (PEM), repeatable', collect)
    .option('--offline', 'never fetch missing intermediates over the network')
    .option('--force', 'put a certificate that is not valid yet live anyway')
    .option('--dry-run', 'check everything, write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit import --cert www_example_com.crt --chain ca-bundle.crt',
        'certkit import --cert bundle.p7b',
        'certkit import --pfx site.pfx --password-file pw.txt --name shop',
      ),
    )
    .action((flags: ImportFlags) =>
      run(async (ctx) => (await import('../commands/import.js')).runImport(ctx, flags)),
    );

  program
    .command('selfsigned')
    .summary('make a self-signed certificate for internal and test use')
    .argument('[names...]', 'the names (DNS or IP) to cover, as with -d')
    .option('-d, --domain <name>', 'a name (DNS or IP); repeatable', collect)
    .option('--key-type <type>', 'ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096')
    .option('--days <n>', 'validity in days', '365')
    .option('--name <lineage>', 'lineage name (default: the first name)')
    .option('--dry-run', 'write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit selfsigned intranet.lan 10.0.0.5',
        'certkit selfsigned -d intranet.lan -d 10.0.0.5   # the same',
        'certkit selfsigned -d pbx.internal --days 90',
      ),
    )
    .action((names: string[], flags: SelfSignedFlags) =>
      run(async (ctx) =>
        (await import('../commands/selfsigned.js')).runSelfSigned(ctx, {
          ...flags,
          domain: withNames(names, flags.domain),
        }),
      ),
    );
}
