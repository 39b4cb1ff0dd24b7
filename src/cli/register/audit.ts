import type { Command } from 'commander';
import { collect, examples, type Runner } from './shared.js';

/** audit: what this host exposes and what each port serves. */
export function registerAudit(program: Command, run: Runner): void {
  program
    .command('audit')
    .summary('what this host listens on, what each port speaks and serves, and what to fix')
    .description(
      'Lists every listening socket (from /proc/net, no nmap needed) with its bind scope (loopback, one address,\n' +
        'all interfaces) and, as root, its process; probes each TCP port briefly to tell what it speaks (TLS with\n' +
        'its chain, SMTP/IMAP/POP3/FTP and whether they offer STARTTLS, HTTP, SIP, Asterisk AMI) and SIP over UDP;\n' +
        'maps it to the Apache vhost (file:line) or Asterisk part that configured it and to the store lineage whose\n' +
        'certificate it serves. Findings: plaintext-exposed, no-https-redirect, admin-without-auth,\n' +
        'unmanaged-certificate, tls-old-protocols, weak-ciphers, plus every finding `certkit check` gives a TLS port,\n' +
        'each with the certkit command that fixes it. --remote HOST looks at another host from the outside.',
    )
    .option('--remote <host>', 'probe this host over the network instead of listing local sockets')
    .option('--ports <list>', 'local: only these ports; remote: these ports (e.g. 22,80,443,5060-5061)')
    .option('--timeout <seconds>', 'per port, for the whole probe', '5')
    .option('--concurrency <n>', 'ports probed at once', '256')
    .option(
      '--admin-path <path>',
      'a URL path that must ask for credentials (repeatable), e.g. /a2billing',
      collect,
    )
    .option('--server-root <dir>', 'Apache configuration directory (default /etc/apache2 or /etc/httpd)')
    .option('--no-apache', 'do not read an Apache configuration')
    .option('--asterisk-dir <dir>', 'Asterisk configuration directory', '/etc/asterisk')
    .option('--ca-file <file>', 'extra trusted roots (PEM), repeatable', collect)
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--nagios', 'one Nagios status line')
    .addHelpText(
      'after',
      examples(
        'certkit audit',
        'certkit audit --admin-path /a2billing --html /var/www/html/audit.html',
        'certkit audit --remote pbx.example.com',
        'certkit audit --json --ports 443,5061,8089',
      ) + 'Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios plugin convention).\n',
    )
    .action((flags: Parameters<typeof import('../commands/audit.js').runAuditCommand>[1]) =>
      run(async (ctx) => (await import('../commands/audit.js')).runAuditCommand(ctx, flags)),
    );
}
