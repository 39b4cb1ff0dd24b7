import { Command, Option } from 'commander';
import { collect, examples, type Runner } from './shared.js';

/** verify: RFC 5280 path validation with the Web PKI rules (docs/trust.md). */
export function registerTrust(program: Command, run: Runner): void {
  program
    .command('verify')
    .summary('validate a certificate path: signatures, dates, CA rules, name constraints, purpose, names')
    .description(
      'Build a path from the certificate to a trust anchor (trying every candidate issuer and cross-sign) and\n' +
        'validate it with RFC 5280 and the CA/Browser Forum Web PKI rules. Trust anchors: the system roots (unless\n' +
        '--no-system-roots) plus --ca-file. Each reason has a stable id: expired, not-yet-valid, untrusted,\n' +
        'incomplete-chain, not-a-ca, path-length, name-constraints, wrong-purpose, critical-extension,\n' +
        'hostname-mismatch, bad-signature, weak-signature, weak-key, malformed, revoked (docs/trust.md).',
    )
    .argument(
      '<cert>',
      'the certificate (PEM, DER, .p7b, .pfx); other certificates in the file are used as intermediates',
    )
    .option('--chain <file>', 'intermediate certificates, repeatable', collect)
    .option('--ca-file <file>', 'trusted root certificates (PEM), repeatable', collect)
    .option('--no-system-roots', 'trust only --ca-file')
    .option('--name <name>', 'a DNS name or IP address the certificate must cover, repeatable', collect)
    .option('--at <iso-time>', 'validate at this time instead of now')
    .option('--password-file <file>', 'password of a protected .pfx/.p12 (else $CERTKIT_PASSWORD)')
    .option(
      '--no-revocation',
      'skip OCSP / CRL (asked when the path is valid and the certificate names them)',
    )
    .addOption(
      new Option('--purpose <purpose>', 'what the certificate is for')
        .choices(['server', 'client'])
        .default('server'),
    )
    .addHelpText(
      'after',
      examples(
        'certkit verify /etc/ssl/certs/www.pem --name www.example.com',
        'certkit verify leaf.pem --chain intermediate.pem --ca-file my-root.pem --no-system-roots',
        'certkit verify fullchain.pem --at 2027-01-01T00:00:00Z --json',
      ) + 'Exit: 0 valid for every name, 1 not valid (reasons printed), 2 bad input.\n',
    )
    .action((cert: string, flags: Parameters<typeof import('../commands/verify.js').runVerify>[2]) =>
      run(async (ctx) => (await import('../commands/verify.js')).runVerify(ctx, cert, flags)),
    );
}
