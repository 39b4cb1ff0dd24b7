#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`). CommonJS on purpose: `certkit --version`
// alone is answered here, before the CLI (commander and every command's registration) and before Node's ESM
// loader starts, so it costs what starting Node costs — it is what scripts and package managers call most.
'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  import('../dist/cli/main.js')
    .then(({ main }) => main(process.argv))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        // main() reports its own errors: only a missing or broken build ends here
        const missing = err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND');
        process.stderr.write(
          `certkit: ${missing ? 'the build is missing (run npm run build)' : `cannot start: ${err && err.message}`}\n`,
        );
        process.exitCode = 70;
      },
    );
}
