/** Facts read from real certificates made by openssl: what reports and metrics show of a name. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commonNameOf } from '../../src/pki/facts.js';
import { makeRoot, tempDir } from '../helpers/openssl.js';

describe('commonNameOf', () => {
  it("QA3: the CN as written, not node's RFC 2253 escaping (a comma, quotes, angle brackets)", () => {
    const dir = tempDir();
    const cn = 'Acme, Inc. <Root> "CA"; #1';
    const root = makeRoot(dir, 'root', cn);
    const x = new X509Certificate(readFileSync(root.certFile));
    expect(x.subject).toContain('\\,'); // what node prints
    expect(commonNameOf(x.subject)).toBe(cn);
    expect(commonNameOf(x.issuer)).toBe(cn);
  });

  it('a name without CN has none; a plain CN is unchanged', () => {
    expect(commonNameOf('O=Acme\nOU=Ops')).toBeNull();
    expect(commonNameOf('C=DE\nCN=www.example.test')).toBe('www.example.test');
    expect(commonNameOf('CN=back\\\\slash')).toBe('back\\slash');
    expect(commonNameOf('CN=a\\\\b1')).toBe('a\\b1');
  });

  it('QA3: control characters in a CN stay escaped (no terminal escape sequence reaches a report)', () => {
    const dir = tempDir();
    const root = makeRoot(dir, 'root', 'evil\x1b[31mred\x07');
    const cn = commonNameOf(new X509Certificate(readFileSync(root.certFile)).subject);
    expect(cn).toBe('evil\\1B[31mred\\07');
    expect(cn).not.toMatch(/[\x00-\x1f]/);
  });
});
