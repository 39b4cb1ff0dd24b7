import { Command } from 'commander';
import { collect, examples, type Runner } from './shared.js';
import type { CheckFlags } from '../check-setup.js';
import type { ScheduleFlags } from '../commands/schedule.js';

/** Commands that are Nagios/Icinga plugins: an error that ends them before a report is UNKNOWN. */
export const NAGIOS_PLUGINS: ReadonlySet<string> = new Set(['check', 'audit']);
const NAGIOS_UNKNOWN = 3;

/** The error line went to stderr already; with --nagios the status line on stdout says UNKNOWN too. */
export function pluginFailure(argv: string[], err: unknown): number {
  if (argv.includes('--nagios')) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^error: /, '');
    process.stdout.write(
      `CERTKIT UNKNOWN - ${message
        .replace(/\|/g, '/')
        .replace(/\s*\n\s*/g, ' ')
        .trim()}\n`,
    );
  }
  return NAGIOS_UNKNOWN;
}

/** check, exporter, schedule: monitoring. */
export function registerMonitor(program: Command, run: Runner): void {
  const checkOptions = (cmd: Command) =>
    cmd
      .option(
        '--starttls <proto>',
        'smtp, imap, pop3, ftp, xmpp, postgres or ldap, for bare host:PORT targets on a non-TLS port (default: by port: 25/587, 143, 110, 21, 5222, 5432, 389; smtp://host:2525 says it per target)',
      )
      .option('--ip <addr>', 'check only this address of the host (default: every A/AAAA address)')
      .option('--timeout <seconds>', 'per target (default: check.timeout in the config, else 10)')
      .option('--concurrency <n>', 'targets checked at once (default: check.concurrency, else 64)')
      .option(
        '--warn-days <n>',
        'WARNING this many days before expiry, at least --crit-days (default 30; short-lived certs: a third of the lifetime)',
      )
      .option(
        '--crit-days <n>',
        'CRITICAL this many days before expiry (default 7; short-lived certs: a sixth)',
      )
      .option('--strict', 'self-signed endpoints are CRITICAL (default WARNING)')
      .option(
        '--allow-self-signed <pattern>',
        'exempt matching targets/hosts from self-signed findings (repeatable, * wildcards)',
        collect,
      )
      .option('--ca-file <file>', 'extra trusted roots (PEM), repeatable', collect)
      .option(
        '--password-file <file>',
        'password of PKCS#12 files / encrypted keys checked (first line; or CERTKIT_PASSWORD)',
      )
      .option('--no-system-roots', 'trust only --ca-file (not the system roots)')
      .option('--name <name>', 'for files: a DNS name or IP the certificate must cover, repeatable', collect)
      .option(
        '--no-revocation',
        'skip the OCSP / CRL revocation check (done when the certificate names a responder or CRL)',
      );

  checkOptions(
    program
      .command('check')
      .summary('check expiry, chain and trust of files, the store and live endpoints (Nagios exit codes)')
      .description(
        'Check certificates in files, directories (recursive; keys, CSRs and backups are skipped and counted), the\n' +
          'store, and endpoints host[:port] (every address; STARTTLS by port; SNI). Reports findings with stable ids:\n' +
          'expired, expiring, not-yet-valid, self-signed, untrusted, incomplete-chain, chain-order, hostname-mismatch,\n' +
          'weak-signature, weak-key, key-mismatch, served-differs, unreachable, handshake-failed, timeout, and when a\n' +
          'target cannot be checked: missing (CRITICAL), unreadable, bad-target (UNKNOWN); the other targets are still\n' +
          'checked. settings-broken: a store lineage renew would skip (settings.json missing or unreadable).\n' +
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
      ) +
        'Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios plugin convention; worst wins: CRITICAL > WARNING >\n' +
        'UNKNOWN > OK). Usage and config errors are UNKNOWN too. A --prometheus/--html file that cannot be written\n' +
        'makes an OK run UNKNOWN (a worse one keeps its status), said first in the --nagios line and on stderr; the\n' +
        'report is still printed. A failed email digest is reported on stderr and does not change the exit code.\n',
    )
    .action((targets: string[], flags: CheckFlags) =>
      run(async (ctx) => (await import('../commands/check.js')).runCheckCommand(ctx, targets, flags)),
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
    .action((targets: string[], flags: Parameters<typeof import('../commands/exporter.js').runExporter>[2]) =>
      run(async (ctx) => (await import('../commands/exporter.js')).runExporter(ctx, targets, flags)),
    );

  program
    .command('schedule')
    .summary('install the nightly check and twice-daily renew (systemd timers, or cron)')
    .argument('<action>', 'install | remove | show')
    .option('--root <dir>', 'file system root to write under (for tests and images)', '/')
    .option('--systemd', 'write systemd units even if systemd is not detected')
    .option('--cron', 'write /etc/cron.d/certkit instead of systemd units')
    .option(
      '--exporter [addr:port]',
      'also install certkit-exporter.service serving /metrics (systemd; default 127.0.0.1:9793)',
    )
    .option('--dry-run', 'print the files, write nothing')
    .addHelpText(
      'after',
      examples(
        'certkit --config /etc/certkit/config.json schedule install',
        'certkit schedule show',
        'certkit schedule install --cron --dry-run',
        'certkit schedule install --exporter 127.0.0.1:9793',
      ),
    )
    .action((action: string, flags: ScheduleFlags) =>
      run(async (ctx) => (await import('../commands/schedule.js')).runSchedule(ctx, action, flags)),
    );
}
