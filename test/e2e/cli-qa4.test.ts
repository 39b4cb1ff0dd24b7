/** QA round 4: usage errors as a new user meets them; each failed on the old code. */
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';

describe('a usage error from the option parser', () => {
  it("is one line, commander's suggestion in the hint (it came on two more lines)", () => {
    const r = certkit(['key', '--out', '/nonexistent/k', '--typ', 'rsa-2048']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "certkit: unknown option '--typ' (did you mean --type?; run with --help for usage)\n",
    );
    const json = certkit(['--json', 'key', '--out', '/nonexistent/k', '--typ', 'rsa-2048']);
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        kind: 'usage',
        message: "unknown option '--typ'",
        hint: 'did you mean --type?; run with --help for usage',
      },
    });
  });

  it('account register takes --no-email as request does (it was an unknown option)', () => {
    const r = certkit(['account', 'register', '--no-email', '--dry-run']);
    expect(r.stderr).not.toMatch(/unknown option/);
    expect(r.code).toBe(2); // no --agree-tos: refused, in one line
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
