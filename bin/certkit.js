#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`).
import { main } from '../dist/cli/main.js';
main(process.argv).then((code) => {
  process.exitCode = code;
});
