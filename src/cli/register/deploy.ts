import { Command, Option } from 'commander';
import { examples, type Runner } from './shared.js';
import type { InstallFlags } from '../commands/install.js';

/** install: Apache and Asterisk. */
export function registerDeploy(program: Command, run: Runner): void {
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
    .option(
      '--list',
      'apache: list every virtual host (file:line, names, addresses, live or not), checked against httpd -S',
    )
    .option(
      '--vhost <site>',
      "apache: the site: a ServerName, an alias, FILE:LINE or an address like '*:80' (default: every vhost serving the lineage's, or the --fullchain certificate's, names)",
    )
    .option('--server-root <dir>', 'apache: configuration directory (default /etc/apache2 or /etc/httpd)')
    .option(
      '--ctl <cmd>',
      'apache: control command, run as CMD configtest|graceful|... (default: apache2ctl with APACHE_CONFDIR, or httpd -d ROOT -f FILE with the layout -D flags); on a Debian tree it gets APACHE_CONFDIR too',
    )
    .option('--redirect', 'apache: redirect HTTP to HTTPS (default)')
    .option('--no-redirect', 'apache: no redirect')
    .option('--hsts', 'apache: send Strict-Transport-Security')
    .addOption(
      new Option('--tls <profile>', 'apache: Mozilla TLS profile').choices(['intermediate', 'modern']),
    )
    .option('--basic-auth <htpasswd>', 'apache: require a password (HTTPS only) from this htpasswd file')
    .option('--auth-path <path>', 'apache: what the password protects', '/')
    .option(
      '--tls-port <n>',
      "apache: port of the TLS vhost when one is created (default: the port it was installed with or the site's TLS vhost uses, else the TLS Listen the tree declares for the site's address, else 443)",
    )
    .option('--config-dir <dir>', 'asterisk: configuration directory (default /etc/asterisk)')
    .option(
      '--keys-dir <dir>',
      'asterisk: where the certificate files are copied (default /etc/asterisk/keys)',
    )
    .option('--pjsip', 'asterisk: PJSIP TLS transport')
    .option('--http', 'asterisk: HTTPS for WebRTC/ARI (http.conf)')
    .option('--manager', 'asterisk: AMI over TLS (manager.conf)')
    .option('--sip', 'asterisk: chan_sip TLS (sip.conf)')
    .option(
      '--pjsip-bind <addr:port>',
      'asterisk: PJSIP TLS transport bind (default: as configured, else 0.0.0.0:5061)',
    )
    .option(
      '--http-bind <addr:port>',
      'asterisk: HTTPS tlsbindaddr in http.conf (default: as configured, else 0.0.0.0:8089)',
    )
    .option(
      '--manager-bind <addr:port>',
      'asterisk: AMI tlsbindaddr in manager.conf (default: as configured, else 0.0.0.0:5039)',
    )
    .option(
      '--sip-bind <addr:port>',
      "asterisk: chan_sip tlsbindaddr in sip.conf (default: as configured, else 5061 or the next port PJSIP doesn't use)",
    )
    .addOption(new Option('--method <method>', 'asterisk: PJSIP TLS method').choices(['tlsv1_2', 'sslv23']))
    .option('--asterisk <cmd>', 'asterisk: the asterisk binary used for reloads', 'asterisk')
    .addHelpText(
      'after',
      examples(
        'certkit install apache --list',
        'certkit --json install apache --list --server-root /etc/httpd',
        'certkit install apache --name example.com --vhost sites-available/000-default.conf:1 --dry-run',
        'certkit install apache --name www.example.com --dry-run',
        'certkit install apache --name www.example.com --hsts --basic-auth /etc/apache2/.htpasswd --yes',
        'certkit install asterisk --name pbx.example.com --pjsip --http --dry-run',
        'certkit install asterisk --name pbx.example.com --pjsip --manager --manager-bind 127.0.0.1:5039',
      ) +
        "Apache: the sites are the vhosts serving the certificate's names (or --vhost); each gets its TLS vhost\n" +
        'updated in place or an HTTPS twin, and a redirect for the names the certificate covers. A vhost whose\n' +
        'names Apache answers from an earlier vhost on the same address is left alone (a note says so).\n' +
        'Exit: 0 installed (or nothing to do), 2 refused before any change, 7 failed and rolled back.\n',
    )
    .action((target: string, flags: InstallFlags) =>
      run(async (ctx) => (await import('../commands/install.js')).runInstall(ctx, target, flags)),
    );
}
