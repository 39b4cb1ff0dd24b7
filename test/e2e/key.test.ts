/** certkit key: where the key may go (the other key tests are with csr in csr.test.ts). */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

describe('certkit key --out', () => {
  it('an existing directory is refused before anything is written, with or without --force (QA: exit 8 EISDIR)', () => {
    const dir = join(tempDir(), 'keys');
    mkdirSync(dir);
    for (const force of [[], ['--force']]) {
      const r = certkit(['key', '--out', dir, ...force]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        `certkit: ${dir} is a directory: give a file path (e.g. --out ${join(dir, 'privkey.pem')})`,
      );
      expect(readdirSync(dir)).toEqual([]);
      expect(readdirSync(join(dir, '..'))).toEqual(['keys']); // no temp file beside it
    }
  });

  it('a path ending in a slash is a directory too', () => {
    const parent = tempDir();
    const r = certkit(['key', '--out', `${parent}/new/`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/new\/ is a directory: give a file path/);
    expect(readdirSync(parent)).toEqual([]);
  });
});
