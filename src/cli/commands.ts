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
    .argument('<files...>', 'files or directories; - reads stdin; host[:port] shows the chain a server sends')
    .option('--key <file>', 'say whether this private key matches the (leaf) certificate')
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM), repeatable', collect)
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
      ) + 'Exit: 0 read fine, 1 the key does not match, 2 unreadable or not certificate material.\n',
    )
    .action((files: string[], flags) =>
      run(async (ctx) => (await import('./commands/inspect.js')).runInspect(ctx, files, flags)),
    );

  program
    .command('list')
    .summary('list the lineages in the store')
    .description(
      'List every lineage: names, expiry, issuer, source (acme, imported, self-signed, pending CSR).',
    )
    .addHelpText('after', examples('certkit list', 'certkit list --json', 'certkit --store /srv/certs list'))
    .action(() => run(async (ctx) => (await import('./commands/list.js')).runList(ctx)));

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
    .action((flags) => run(async (ctx) => (await import('./commands/key.js')).runKey(ctx, flags)));

  program
    .command('csr')
    .summary('make a CSR for a paid CA (CA/B Forum rules enforced), or --wizard to be guided')
    .description(
      'Make a key and a CSR for a commercial CA, enforcing the CA/Browser Forum rules so the order is not rejected.\n' +
        'The CN defaults to the first name and is always also a SAN. IDNs become punycode. The key and CSR are\n' +
        'recorded as a pending order in the store, so `certkit import` later finds the key by itself.',
    )
    .option('-d, --domain <name>', 'a name (DNS or IP) the certificate covers; repeatable', collect)
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
        'certkit csr -d www.example.com -d example.com',
        'certkit csr -d shop.example.com --org "Example Ltd" --locality London --country GB --key-type rsa-2048',
        'certkit csr --wizard',
        'certkit csr --wizard --product wildcard -d "*.example.com" -d example.com --yes   # no TTY needed',
      ) + 'Exit: 0 written, 2 a rule refused the request (one line per rule; nothing written).\n',
    )
    .action((flags) => run(async (ctx) => (await import('./commands/csr.js')).runCsr(ctx, flags)));

  program
    .command('import')
    .summary('import a CA-issued certificate in any form, fixing the chain')
    .description(
      'Import a certificate from a CA (PEM, DER, .p7b, .pfx/.p12) into the store as a new lineage version:\n' +
        'the chain is rebuilt leaf-first, missing intermediates are fetched from the AIA URL (unless --offline),\n' +
        'the root is left out, and the key is matched (or found among pending CSRs). Refuses expired certificates\n' +
        'and keys that do not match, leaving the store unchanged.',
    )
    .option('--cert <file>', 'certificate or bundle (repeatable)', collect)
    .option('--chain <file>', 'intermediate(s) sent separately (repeatable)', collect)
    .option('--key <file>', 'the private key (default: found among pending CSRs)')
    .option('--pfx <file>', 'a PKCS#12 file holding certificate, chain and key')
    .option('--password-file <file>', 'PKCS#12 password or key passphrase (else $CERTKIT_PASSWORD)')
    .option('--name <lineage>', "lineage name (default: the pending order, else the certificate's name)")
    .option('--ca-file <file>', 'extra trusted roots (PEM), repeatable', collect)
    .option('--offline', 'never fetch missing intermediates over the network')
    .option('--dry-run', 'check everything, write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit import --cert www_example_com.crt --chain ca-bundle.crt',
        'certkit import --cert bundle.p7b',
        'certkit import --pfx site.pfx --password-file pw.txt --name shop',
      ),
    )
    .action((flags) => run(async (ctx) => (await import('./commands/import.js')).runImport(ctx, flags)));

  program
    .command('selfsigned')
    .summary('make a self-signed certificate for internal and test use')
    .option('-d, --domain <name>', 'a name (DNS or IP); repeatable', collect)
    .option('--key-type <type>', 'ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096')
    .option('--days <n>', 'validity in days', '365')
    .option('--name <lineage>', 'lineage name (default: the first name)')
    .option('--dry-run', 'write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit selfsigned -d intranet.lan -d 10.0.0.5',
        'certkit selfsigned -d pbx.internal --days 90',
      ),
    )
    .action((flags) =>
      run(async (ctx) => (await import('./commands/selfsigned.js')).runSelfSigned(ctx, flags)),
    );

  program
    .command('request')
    .summary("get a certificate over ACME (Let's Encrypt, ZeroSSL, Google, any RFC 8555 CA)")
    .description(
      'Obtain a certificate for the names and make it a lineage in the store, with everything needed to renew\n' +
        'it unattended. Prove control of the names with one of --webroot, --standalone, --dns-hook or --manual.\n' +
        'Wildcards need dns-01 (--dns-hook or --manual). IP addresses are allowed where the CA supports them.',
    )
    .argument('<domains...>', 'names (and IP addresses) to cover; the first names the lineage')
    .option(
      '--server <name|url>',
      'letsencrypt, letsencrypt-staging, zerossl, google, or a directory URL',
      'letsencrypt',
    )
    .option('--email <address>', 'contact address for the ACME account')
    .option('--agree-tos', "accept the CA's terms of service (asked on a terminal otherwise)")
    .option('--eab-kid <kid>', 'external account binding key id (ZeroSSL, Google, paid ACME CAs)')
    .option('--eab-hmac-key-file <file>', 'file holding the EAB HMAC key (never on the command line)')
    .option('--webroot <dir>', 'http-01: write challenge files under DIR/.well-known/acme-challenge/')
    .option('--standalone', 'http-01: answer with a built-in HTTP server')
    .option('--http-port <n>', 'standalone port', '80')
    .option('--http-address <addr>', 'standalone listen address (default: all)')
    .option('--dns-hook <cmd>', 'dns-01: run CMD to set/remove TXT records (see docs/dns-hook.md)')
    .option('--dns-resolver <addr>', 'where to check the TXT record is visible (host[:port])')
    .option('--dns-wait <seconds>', 'how long to wait for the TXT record', '120')
    .option('--manual', 'print the record or file and wait for Enter (terminal only)')
    .option('--key-type <type>', 'ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096', 'ecdsa-p256')
    .option('--reuse-key', 'keep the same private key on renewal')
    .option('--profile <name>', "ACME profile (checked against the CA's directory)")
    .option('--preferred-chain <issuer-cn>', 'pick the alternate chain whose root has this CN')
    .option('--name <lineage>', 'lineage name (default: the first name)')
    .option('--deploy-hook <cmd>', 'run after each new version goes live (stored for renewals)')
    .option(
      '--install <target>',
      'install after issuing: apache or asterisk (repeatable; recorded for renewals)',
      collect,
    )
    .option('--server-root <dir>', 'with --install apache: the Apache configuration directory')
    .option('--ctl <cmd>', 'with --install apache: the control command')
    .option('--tls-port <n>', 'with --install apache: port for a new TLS vhost (default 443)')
    .option('--hsts', 'with --install apache: send Strict-Transport-Security')
    .option('--config-dir <dir>', 'with --install asterisk: the Asterisk configuration directory')
    .option('--keys-dir <dir>', 'with --install asterisk: where to copy the certificate files')
    .option('--dry-run', 'check the settings and the CA directory, order nothing')
    .addHelpText(
      'after',
      examples(
        'certkit request www.example.com example.com --webroot /var/www/html --email ops@example.com --agree-tos',
        'certkit request pbx.example.com --standalone --deploy-hook "systemctl reload asterisk"',
        'certkit request "*.example.com" --dns-hook /etc/certkit/dns-hook.sh',
        'certkit request www.example.com --server letsencrypt-staging --standalone --dry-run',
      ),
    )
    .action((domains: string[], flags) =>
      run(async (ctx) => (await import('./commands/request.js')).runRequest(ctx, domains, flags)),
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
    .addHelpText(
      'after',
      examples(
        'certkit renew',
        'certkit renew --name www.example.com --force',
        'certkit renew --dry-run --json',
      ) + 'Exit: 0 all fine, 1 at least one renewal failed (each named on stderr).\n',
    )
    .action((flags) => run(async (ctx) => (await import('./commands/renew.js')).runRenew(ctx, flags)));

  program
    .command('revoke')
    .summary("revoke a lineage's live certificate")
    .requiredOption('--name <lineage>', 'the lineage')
    .addOption(
      new Option('--reason <reason>', 'revocation reason')
        .choices(['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'])
        .default('unspecified'),
    )
    .option('--dry-run', 'check, revoke nothing')
    .addHelpText('after', examples('certkit revoke --name www.example.com --reason keyCompromise'))
    .action((flags) => run(async (ctx) => (await import('./commands/revoke.js')).runRevoke(ctx, flags)));

  program
    .command('account')
    .summary('show, register, roll over or deactivate the ACME account')
    .argument('<action>', 'show | register | rollover | deactivate')
    .option('--server <name|url>', 'the CA (as for request)', 'letsencrypt')
    .option('--email <address>', 'register: contact address')
    .option('--agree-tos', 'register: accept the terms of service')
    .option('--eab-kid <kid>', 'register: external account binding key id')
    .option('--eab-hmac-key-file <file>', 'register: file holding the EAB HMAC key')
    .option('--dry-run', 'change nothing')
    .addHelpText(
      'after',
      examples(
        'certkit account show',
        'certkit account register --server zerossl --eab-kid KID --eab-hmac-key-file hmac.txt --agree-tos',
        'certkit account rollover',
      ),
    )
    .action((action: string, flags) =>
      run(async (ctx) => (await import('./commands/account.js')).runAccount(ctx, action, flags)),
    );

  program
    .command('install')
    .summary('install a lineage into apache or asterisk: plan, diff, apply, verify, roll back')
    .description(
      'Install a certificate into Apache (TLS vhost, HTTP→HTTPS redirect, Mozilla TLS profile, HSTS, basic auth)\n' +
        'or Asterisk (PJSIP TLS transport, HTTPS for WebRTC/ARI, AMI, chan_sip). Refuses bad certificate files before\n' +
        'any reload, backs up and writes atomically, reloads, verifies the new certificate is served, and restores\n' +
        'every file if anything fails. A second run changes nothing. Recorded per lineage: renew replays it.',
    )
    .argument('<target>', 'apache | asterisk')
    .option('--name <lineage>', 'the lineage to install (see certkit list)')
    .option('--fullchain <file>', 'instead of a lineage: this full chain (PEM, leaf first)')
    .option('--key <file>', 'instead of a lineage: this private key')
    .option('--dry-run', 'print the unified diff, change nothing')
    .option('-y, --yes', 'apply without asking (on a terminal, certkit shows the diff and asks)')
    .option('--list', 'apache: list the virtual hosts found and the names each serves')
    .option(
      '--vhost <name>',
      "apache: the site to install into (default: every vhost serving the lineage's names)",
    )
    .option('--server-root <dir>', 'apache: configuration directory (default /etc/apache2 or /etc/httpd)')
    .option('--ctl <cmd>', 'apache: control command (default apache2ctl / apachectl)')
    .option('--redirect', 'apache: redirect HTTP to HTTPS (default)')
    .option('--no-redirect', 'apache: no redirect')
    .option('--hsts', 'apache: send Strict-Transport-Security')
    .addOption(
      new Option('--tls <profile>', 'apache: Mozilla TLS profile').choices(['intermediate', 'modern']),
    )
    .option('--basic-auth <htpasswd>', 'apache: require a password (HTTPS only) from this htpasswd file')
    .option('--auth-path <path>', 'apache: what the password protects', '/')
    .option('--tls-port <n>', 'apache: port of the TLS vhost when one is created (default 443)')
    .option('--config-dir <dir>', 'asterisk: configuration directory (default /etc/asterisk)')
    .option(
      '--keys-dir <dir>',
      'asterisk: where the certificate files are copied (default /etc/asterisk/keys)',
    )
    .option('--pjsip', 'asterisk: PJSIP TLS transport')
    .option('--http', 'asterisk: HTTPS for WebRTC/ARI (http.conf)')
    .option('--manager', 'asterisk: AMI over TLS (manager.conf)')
    .option('--sip', 'asterisk: chan_sip TLS (sip.conf)')
    .option('--bind <addr:port>', 'asterisk: TLS bind address for the parts enabled')
    .addOption(new Option('--method <method>', 'asterisk: PJSIP TLS method').choices(['tlsv1_2', 'sslv23']))
    .option('--asterisk <cmd>', 'asterisk: the asterisk binary used for reloads', 'asterisk')
    .addHelpText(
      'after',
      examples(
        'certkit install apache --list',
        'certkit install apache --name www.example.com --dry-run',
        'certkit install apache --name www.example.com --hsts --basic-auth /etc/apache2/.htpasswd --yes',
        'certkit install asterisk --name pbx.example.com --pjsip --http --dry-run',
      ) + 'Exit: 0 installed (or nothing to do), 2 refused before any change, 7 failed and rolled back.\n',
    )
    .action((target: string, flags) =>
      run(async (ctx) => (await import('./commands/install.js')).runInstall(ctx, target, flags)),
    );

  const checkOptions = (cmd: Command) =>
    cmd
      .option(
        '--starttls <proto>',
        'smtp, imap, pop3, ftp, xmpp, postgres or ldap (default: by port: 25/587, 143, 110, 21, 5222, 5432, 389)',
      )
      .option('--ip <addr>', 'check only this address of the host (default: every A/AAAA address)')
      .option('--timeout <seconds>', 'per target', '10')
      .option('--concurrency <n>', 'targets checked at once', '64')
      .option(
        '--warn-days <n>',
        'WARNING this many days before expiry (short-lived certs: a third of the lifetime)',
      )
      .option('--crit-days <n>', 'CRITICAL this many days before expiry (short-lived certs: a sixth)')
      .option('--strict', 'self-signed endpoints are CRITICAL (default WARNING)')
      .option(
        '--allow-self-signed <pattern>',
        'exempt matching targets/hosts from self-signed findings (repeatable, * wildcards)',
        collect,
      )
      .option('--ca-file <file>', 'extra trusted roots (PEM), repeatable', collect);

  checkOptions(
    program
      .command('check')
      .summary('check expiry, chain and trust of files, the store and live endpoints (Nagios exit codes)')
      .description(
        'Check certificates in files, directories (recursive; keys, CSRs and backups are skipped and counted), the\n' +
          'store, and endpoints host[:port] (every address; STARTTLS by port; SNI). Reports findings with stable ids:\n' +
          'expired, expiring, not-yet-valid, self-signed, untrusted, incomplete-chain, chain-order, hostname-mismatch,\n' +
          'weak-signature, weak-key, key-mismatch, served-differs, unreachable, handshake-failed, timeout.\n' +
          'Without targets, uses "check.targets" from the config file (the nightly run).',
      )
      .argument('[targets...]', 'files, directories, "store", host[:port], https://host'),
  )
    .option('--nagios', 'one Nagios status line with perfdata')
    .option('--prometheus <file>', 'write metrics for the node-exporter textfile collector (atomically)')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--email', 'send the digest (settings in the config file) when anything is WARNING or worse')
    .option('--email-always', 'send the digest even when all is OK')
    .addHelpText(
      'after',
      examples(
        'certkit check /etc/ssl/certs/mysite.pem /etc/apache2/ssl/',
        'certkit check store www.example.com mail.example.com:587 pbx.example.com:5061',
        'certkit check --config /etc/certkit/config.json --prometheus /var/lib/node_exporter/certkit.prom --email',
        'certkit check www.example.com --nagios --warn-days 21',
      ) + 'Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios plugin convention).\n',
    )
    .action((targets: string[], flags) =>
      run(async (ctx) => (await import('./commands/check.js')).runCheckCommand(ctx, targets, flags)),
    );

  checkOptions(
    program
      .command('exporter')
      .summary('serve the check as Prometheus metrics on /metrics')
      .argument('[targets...]', 'as for check (default: check.targets from the config file)'),
  )
    .option('--listen <addr:port>', 'where to listen', '127.0.0.1:9793')
    .option('--interval <seconds>', 'cache the results this long between scrapes', '60')
    .addHelpText(
      'after',
      examples(
        'certkit exporter --config /etc/certkit/config.json',
        'certkit exporter store www.example.com --listen 0.0.0.0:9793',
      ),
    )
    .action((targets: string[], flags) =>
      run(async (ctx) => (await import('./commands/exporter.js')).runExporter(ctx, targets, flags)),
    );

  program
    .command('schedule')
    .summary('install the nightly check and twice-daily renew (systemd timers, or cron)')
    .argument('<action>', 'install | remove | show')
    .option('--root <dir>', 'file system root to write under (for tests and images)', '/')
    .option('--systemd', 'write systemd units even if systemd is not detected')
    .option('--cron', 'write /etc/cron.d/certkit instead of systemd units')
    .option('--dry-run', 'print the files, write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit --config /etc/certkit/config.json schedule install',
        'certkit schedule show',
        'certkit schedule install --cron --dry-run',
      ),
    )
    .action((action: string, flags) =>
      run(async (ctx) => (await import('./commands/schedule.js')).runSchedule(ctx, action, flags)),
    );
}
