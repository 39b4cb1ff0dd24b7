/**
 * The certkit command line. Commands are registered here with their help; their code is imported only
 * when they run, so `certkit --version` and `--help` stay fast (no ACME client, nodemailer or node-forge); `--version` alone is answered by bin/certkit.cjs without loading this file.
 */
import { Command, CommanderError, Option } from 'commander';
import { makeContext, type Context, type GlobalOptions } from './context.js';
import { reportError } from './run.js';
import { version } from './version.js';
import { registerCommands } from './commands.js';
import { NAGIOS_PLUGINS, pluginFailure } from './register/monitor.js';

const EXAMPLES = `
Examples (each command has more: certkit help COMMAND):
  certkit inspect server.pem --key server.key     what a file holds; does the key match?
  certkit csr --wizard                             a CSR for a paid CA, step by step
  certkit import --cert from-the-ca.p7b            the CA's certificate into the store, chain fixed
  certkit request www.example.com                  on the server: challenge, Apache install and renewal chosen
  certkit request www.example.com --webroot /var/www/html --agree-tos --email ops@example.com
  certkit renew                                    renew what is due (cron/systemd: certkit schedule install)
  certkit install apache --name www.example.com --dry-run
  certkit check store www.example.com mail.example.com:587 --nagios
  certkit list                                     the lineages in the store
`;

export const EXIT_CODE_HELP = `
Exit codes:
  0  success                      4  the store is locked by another run
  1  the check or comparison failed (e.g. key mismatch; for check: WARNING)
  2  bad input: arguments, unreadable or invalid files, rules refused (for check: CRITICAL)
  3  not found: no such lineage (for check: UNKNOWN)
  5  the CA refused or failed     6  network: connection, DNS, timeout
  7  deploy failed and was rolled back   8  environment: missing program, permission
  70 internal error (run with --debug and report it)
`;

export function buildProgram(
  run: (fn: (ctx: Context) => Promise<number>) => Promise<void>,
  json = false,
): Command {
  const program = new Command('certkit')
    .description('TLS certificates for your own servers: keys and CSRs, ACME, import, deploy, monitor.')
    .version(version(), '-V, --version', 'print the version')
    .option('--json', 'machine-readable output (stable schema, see docs/json.md)')
    .option('-q, --quiet', 'print only errors')
    .option('--debug', 'show stack traces and internal detail')
    .option('--config <file>', 'config file (JSON)')
    .option('--store <dir>', 'lineage store (default: /etc/certkit as root, else ~/.local/share/certkit)')
    .addOption(new Option('--no-color', 'no colour (also when NO_COLOR is set or not a TTY)'))
    .addHelpText('after', EXAMPLES + EXIT_CODE_HELP)
    .exitOverride()
    .configureOutput({
      // --json: a usage error is JSON on stderr too, like every other error
      // one line, as every error: commander's suggestion ("(Did you mean --email?)") comes on a line of its
      // own, and so did the help hint; both join the hint in the parentheses
      outputError: (str, write) => {
        const [message = '', ...more] = str
          .replace(/^error: /, '')
          .trim()
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        const suggestion = more.map((l) => l.replace(/^\((.*)\)$/, '$1').replace(/^Did/, 'did')).join('; ');
        const hint = [suggestion, 'run with --help for usage'].filter(Boolean).join('; ');
        write(
          json
            ? JSON.stringify({ error: { kind: 'usage', message, hint } }) + '\n'
            : `certkit: ${message} (${hint})\n`,
        );
      },
    });
  registerCommands(program, run);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let ctx: Context | undefined;
  const run = async (fn: (ctx: Context) => Promise<number>) => {
    const g = program.opts<GlobalOptions>();
    ctx = makeContext(g);
    if (g.config) ctx = makeContext(g, await (await import('../config/load.js')).loadConfig(g.config));
    exitCode = await fn(ctx);
  };
  const program = buildProgram(run, argv.includes('--json'));
  // `certkit check | head`: the reader went away; end quietly instead of an EPIPE stack trace
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  let invoked: string | undefined;
  program.hook('preSubcommand', (_program, sub) => {
    invoked = sub.name();
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    let code: number;
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      code = 2;
    } else
      code = reportError(ctx ?? makeContext(program.opts<GlobalOptions>(), {}, process.env, new Date()), err);
    // a monitoring plugin that could not run says UNKNOWN (exit 3), whatever the cause
    return invoked && NAGIOS_PLUGINS.has(invoked) ? pluginFailure(argv, err) : code;
  }
  return exitCode;
}
