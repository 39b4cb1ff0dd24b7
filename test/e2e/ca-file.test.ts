/** --ca-file mistakes are one line, exit 2 (check: UNKNOWN 3), never "internal error" (found by the QA run). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { makeChain, tempDir } from '../helpers/openssl.js';

let dir: string;
let leaf: string;
beforeAll(() => {
  dir = tempDir();
  leaf = makeChain(dir).ecLeaf.certFile;
  mkdirSync(join(dir, 'adir'));
  writeFileSync(join(dir, 'notes.txt'), 'not a certificate\n');
});

describe('--ca-file that is missing, a directory, or holds no certificate', () => {
  const cases: [string, string, RegExp][] = [
    ['missing', 'nope.pem', /nope\.pem: no such file/],
    ['a directory', 'adir', /adir: is a directory, not a file/],
    ['no certificate', 'notes.txt', /notes\.txt: holds no PEM certificate/],
  ];
  for (const [what, file, message] of cases)
    for (const command of ['inspect', 'verify', 'check'])
      it(`${command}: ${what}`, () => {
        const r = certkit([command, leaf, '--ca-file', join(dir, file)]);
        expect(r.code).toBe(command === 'check' ? 3 : 2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      });
});
