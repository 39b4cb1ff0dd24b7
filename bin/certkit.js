#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`).
// `certkit --version` alone is answered here, before the CLI (commander and every command's registration) is
// loaded: it is what scripts and package managers call most, and it should cost no more than starting Node.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
}
