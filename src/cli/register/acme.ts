import { Command, Option } from 'commander';
import { collect, examples, type Runner } from './shared.js';
import type { RequestFlags } from '../commands/request.js';
import type { RenewFlags } from '../commands/renew.js';
import type { AccountFlags } from '../commands/account.js';

/** request, renew, revoke, account: ACME. */
export function registerAcme(program: Command, run: Runner): void {
  program
    .command('request')
    .summary("get a certificate over ACME (Let's Encrypt, ZeroSSL, Google, any RFC 8555 CA)")
    .description(
      'Obtain a certificate for the names and make it a lineage in the store, with everything needed to renew\n' +
        'it unattended. Without a solver flag certkit chooses and says why: through the running Apache that\n' +
        'serves the names (its DocumentRoot, or a temporary Alias removed afterwards; then it installs there),\n' +
        'else its own HTTP server when port 80 is free; then it sets up renewal (certkit schedule install).\n' +
        'Or choose with --webroot, --standalone, --dns-hook or --manual. Wildcards need dns-01 (--dns-hook or\n' +
        '--manual). IP addresses are allowed where the CA supports them. Names are checked as csr checks them.\n' +
        'For an existing lineage, added names are said; a request that leaves out names the lineage covers is\n' +
        'refused unless --replace-names (renewals keep the recorded names).',
    )
    .argument('<domains...>', 'names (and IP addresses) to cover; the first names the lineage')
    .option(
      '--server <name|url>',
      'letsencrypt, letsencrypt-staging, zerossl, google, or a directory URL',
      'letsencrypt',
    )
    .option('--email <address>', 'contact address for a new ACME account (asked on a terminal otherwise)')
    .option('--no-email', 'register a new ACME account without a contact address')
    .option('--agree-tos', "accept the CA's terms of service (asked on a terminal otherwise)")
    .option('--eab-kid <kid>', 'external account binding key id (ZeroSSL, Google, paid ACME CAs)')
    .option(
      '--eab-hmac-key-file <file>',
      'file holding the EAB HMAC key (or set CERTKIT_EAB_HMAC_KEY; never on the command line)',
    )
    .option('--webroot <dir>', 'http-01: write challenge files under DIR/.well-known/acme-challenge/')
    .option('--standalone', 'http-01: answer with a built-in HTTP server')
    .option(
      '--http-port <n>',
      'the port the CA fetches http-01 from: standalone, automatic choice (default 80)',
    )
    .option('--http-address <addr>', 'standalone listen address (default: all)')
    .option('--dns-hook <cmd>', 'dns-01: run CMD to set/remove TXT records (see docs/dns-hook.md)')
    .option('--dns-resolver <addr>', 'where to check the TXT record is visible (host[:port])')
    .option('--dns-wait <seconds>', 'how long to wait for the TXT record', '120')
    .option('--manual', 'print the record or file and wait for Enter (terminal only)')
    .option(
      '--key-type <type>',
      "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 (default: the lineage's, else ecdsa-p256)",
    )
    .option('--reuse-key', 'keep the same private key on renewal')
    .option('--profile <name>', "ACME profile (checked against the CA's directory)")
    .option('--preferred-chain <issuer-cn>', 'pick the alternate chain whose root has this CN')
    .option('--name <lineage>', 'lineage name (default: the first name)')
    .option('--replace-names', 'let the new certificate drop names the lineage covers now')
    .option('--deploy-hook <cmd>', 'run after each new version goes live (stored for renewals)')
    .option(
      '--install <target>',
      'install after issuing: apache or asterisk (repeatable; recorded for renewals)',
      collect,
    )
    .option('--no-install', 'do not install into the Apache that serves the names')
    .option('--no-schedule', 'do not set up the renewal timer/cron entry')
    .option('--server-root <dir>', 'Apache configuration directory (default /etc/apache2 or /etc/httpd)')
    .option('--ctl <cmd>', "Apache's control command (default apache2ctl or apachectl)")
    .option('--tls-port <n>', 'Apache: port for a new TLS vhost (default: from the tree, else 443)')
    .option('--hsts', 'with --install apache: send Strict-Transport-Security')
    .option('--config-dir <dir>', 'with --install asterisk: the Asterisk configuration directory')
    .option('--keys-dir <dir>', 'with --install asterisk: where to copy the certificate files')
    .option('--pjsip-bind <addr:port>', 'with --install asterisk: bind of a new PJSIP TLS transport')
    .option('--http-bind <addr:port>', 'with --install asterisk: HTTPS tlsbindaddr (http.conf)')
    .option('--manager-bind <addr:port>', 'with --install asterisk: AMI tlsbindaddr (manager.conf)')
    .option('--sip-bind <addr:port>', 'with --install asterisk: chan_sip tlsbindaddr (sip.conf)')
    .option('--dry-run', 'check the settings and the CA directory, order nothing')
    .option('--force', 'order a new certificate even when the lineage has a valid one that is not due')
    .option(
      '--timeout <seconds>',
      'deadline for each exchange with the CA; waiting for validation or issuance gets 10x (max 3600)',
      '30',
    )
    .addHelpText(
      'after',
      examples(
        'certkit request www.example.com                 (on the server: challenge, install, renewal chosen)',
        'certkit request www.example.com example.com --webroot /var/www/html --email ops@example.com --agree-tos',
        'certkit request pbx.example.com --standalone --deploy-hook "systemctl reload asterisk"',
        'certkit request "*.example.com" --dns-hook /etc/certkit/dns-hook.sh',
        'certkit request www.example.com --server letsencrypt-staging --standalone --dry-run',
      ),
    )
    .action((domains: string[], flags: RequestFlags) =>
      run(async (ctx) => (await import('../commands/request.js')).runRequest(ctx, domains, flags)),
    );

  program
    .command('renew')
    .summary('renew every ACME lineage that is due (for cron/systemd)')
    .description(
      'Renew the ACME lineages that are due: when the CA offers ACME Renewal Information, inside its window;\n' +
        'else after two thirds of the lifetime (half for certificates shorter than 10 days). The new version goes\n' +
        'live only when complete and verified; then the deploy hook and recorded installers run.\n' +
        'Not on a terminal, it first waits a random delay up to 2 minutes (--no-jitter to skip).',
    )
    .option('--name <lineage>', 'only this lineage')
    .option('--force', 'renew even when not due')
    .option('--dry-run', 'say what is due, change nothing')
    .option('--no-jitter', 'no random delay when not on a terminal')
    .option('--concurrency <n>', 'lineages renewed at once', '4')
    .option(
      '--timeout <seconds>',
      'deadline for each exchange with the CA; waiting for validation or issuance gets 10x (max 3600)',
      '30',
    )
    .addHelpText(
      'after',
      examples(
        'certkit renew',
        'certkit renew --name www.example.com --force',
        'certkit renew --dry-run --json',
      ) +
        'Exit: 0 all fine; 1 at least one renewal failed (each named on stderr); 4 when every failure was a\n' +
        'lineage locked by another run; 6 when every failure was a network error or timeout; 8 when every\n' +
        'failure was the environment (full disk, read-only or unreadable store).\n',
    )
    .action((flags: RenewFlags) =>
      run(async (ctx) => (await import('../commands/renew.js')).runRenew(ctx, flags)),
    );

  program
    .command('revoke')
    .summary("revoke a lineage's live certificate")
    .description(
      'Ask the CA to revoke the live certificate of an ACME lineage, with the account that ordered it. Clients\n' +
        'that check revocation then refuse it: for a leaked key (--reason keyCompromise) or a certificate no longer\n' +
        'needed. Asks first on a terminal; scripts must give --yes. The lineage records it: list and check show\n' +
        'it, and the next certkit renew replaces the revoked certificate.',
    )
    .requiredOption('--name <lineage>', 'the lineage')
    .addOption(
      new Option('--reason <reason>', 'revocation reason')
        .choices(['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'])
        .default('unspecified'),
    )
    .option('--dry-run', 'check, revoke nothing')
    .option('--yes', 'do not ask (required when not on a terminal)')
    .option(
      '--timeout <seconds>',
      'deadline for each exchange with the CA; waiting for validation or issuance gets 10x (max 3600)',
      '30',
    )
    .addHelpText(
      'after',
      examples(
        'certkit revoke --name www.example.com --reason keyCompromise',
        'certkit revoke --name old.example.com --reason cessationOfOperation --yes',
        'certkit revoke --name www.example.com --dry-run',
      ) +
        'Exit: 0 revoked (or --dry-run fine); 2 refused (not confirmed, no --yes off a terminal, not an ACME lineage);\n' +
        '3 no such lineage, live certificate or account; 5 the CA refused (e.g. already revoked); 6 the CA unreachable.\n',
    )
    .action((flags: Parameters<typeof import('../commands/revoke.js').runRevoke>[1]) =>
      run(async (ctx) => (await import('../commands/revoke.js')).runRevoke(ctx, flags)),
    );

  program
    .command('account')
    .summary('show, register, roll over or deactivate the ACME account')
    .argument('<action>', 'show | register | rollover | deactivate')
    .option('--server <name|url>', 'the CA (as for request)', 'letsencrypt')
    .option('--email <address>', 'register: contact address')
    .option('--no-email', 'register: no contact address (as for request)')
    .option('--agree-tos', 'register: accept the terms of service')
    .option('--eab-kid <kid>', 'register: external account binding key id')
    .option('--eab-hmac-key-file <file>', 'register: file holding the EAB HMAC key (or CERTKIT_EAB_HMAC_KEY)')
    .option('--yes', 'deactivate: do not ask (required when not on a terminal)')
    .option('--dry-run', 'change nothing')
    .option(
      '--timeout <seconds>',
      'deadline for each exchange with the CA; waiting for validation or issuance gets 10x (max 3600)',
      '30',
    )
    .addHelpText(
      'after',
      examples(
        'certkit account show',
        'certkit account register --server zerossl --eab-kid KID --eab-hmac-key-file hmac.txt --agree-tos',
        'certkit account rollover',
      ) +
        '\nregister keeps an account the store already has for that CA (it says "already registered");\n' +
        'rollover changes its key, deactivate ends it.\n',
    )
    .action((action: string, flags: AccountFlags) =>
      run(async (ctx) => (await import('../commands/account.js')).runAccount(ctx, action, flags)),
    );
}
