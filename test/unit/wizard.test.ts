import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCsr } from '../../src/cli/commands/csr.js';
import { makeContext } from '../../src/cli/context.js';
import { Store } from '../../src/store/store.js';
import { openssl, tempDir } from '../helpers/openssl.js';
import { scriptedPrompter } from '../helpers/scripted-prompter.js';

function capture() {
  const lines: string[] = [];
  const dir = tempDir();
  const ctx = {
    ...makeContext({ store: join(dir, 'store') }),
    out: (l = '') => lines.push(l),
    err: (l: string) => lines.push(l),
  };
  return { ctx, lines, dir };
}

describe('CSR wizard with scripted answers', () => {
  it('DV: asks product, names (validating them), offers the bare name, key type, summary; writes key and CSR', async () => {
    const { ctx, lines, dir } = capture();
    const p = scriptedPrompter(['dv', 'www..example.com', 'www.example.com', true, 'ecdsa-p384', true]);
    const code = await runCsr(ctx, { outDir: dir, wizard: true }, async () => p);
    expect(code).toBe(0);
    expect(p.rejected[0]).toMatch(/not a valid host name label/);
    expect(p.asked.map((a) => a.kind)).toEqual(['select', 'input', 'input', 'confirm', 'select', 'confirm']);
    expect(p.asked[3]!.message).toMatch(/Add example\.com too/);
    const csr = openssl(['req', '-in', join(dir, 'www.example.com.csr'), '-noout', '-text']);
    expect(csr).toMatch(/DNS:www\.example\.com, DNS:example\.com/);
    expect(csr).toMatch(/secp384r1|P-384/);
    const text = lines.join('\n');
    expect(text).toMatch(/Paste the CSR/);
    expect(text).toMatch(/BEGIN CERTIFICATE REQUEST/);
    expect(text).toMatch(/CNAME _[0-9A-F]{32}\.www\.example\.com\./);
    expect(text).toMatch(/\/\.well-known\/pki-validation\/[0-9A-F]{32}\.txt/);
    expect(text).toMatch(/admin@example\.com/);
    expect(text).toMatch(/certkit --store .* import --cert FILE/);
    expect((await new Store(ctx.storeRoot).readSettings('www.example.com'))?.source).toBe('pending-csr');
  });

  it('OV: asks the organisation fields, refusing a bad country until it is fixed', async () => {
    const { ctx, dir } = capture();
    const p = scriptedPrompter([
      'ov',
      'portal.example.co.uk',
      'rsa-2048',
      'Example Ltd',
      'Leeds',
      'West Yorkshire',
      'UK',
      'GB',
      true,
    ]);
    expect(await runCsr(ctx, { outDir: dir, wizard: true }, async () => p)).toBe(0);
    expect(p.rejected).toEqual(['"UK" is not an ISO 3166 two-letter code: use GB']);
    const subject = openssl([
      'req',
      '-in',
      join(dir, 'portal.example.co.uk.csr'),
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    expect(subject.trim()).toBe(
      'subject=CN=portal.example.co.uk,O=Example Ltd,L=Leeds,ST=West Yorkshire,C=GB',
    );
  });

  it('wildcard: insists on a *. name and suggests the bare domain', async () => {
    const { ctx, dir } = capture();
    const p = scriptedPrompter(['wildcard', 'example.org', '*.example.org', true, 'ecdsa-p256', true]);
    expect(await runCsr(ctx, { outDir: dir, wizard: true }, async () => p)).toBe(0);
    expect(p.rejected).toEqual(['a wildcard order needs a name like *.example.com']);
    const csr = openssl(['req', '-in', join(dir, 'wildcard.example.org.csr'), '-noout', '-text']);
    expect(csr).toMatch(/DNS:\*\.example\.org, DNS:example\.org/);
  });

  it('declining the summary writes nothing', async () => {
    const { ctx, dir } = capture();
    const p = scriptedPrompter(['dv', 'a.example.net', 'ecdsa-p256', false]);
    expect(await runCsr(ctx, { outDir: join(dir, 'out'), wizard: true }, async () => p)).toBe(1);
    expect(() => readFileSync(join(dir, 'out', 'a.example.net.csr'))).toThrow();
  });

  it("refuses 'www.exa mple.com' and internal names at the prompt instead of splitting or accepting them", async () => {
    const { ctx, dir } = capture();
    const p = scriptedPrompter([
      'dv',
      'www.exa mple.com',
      'server.local',
      '10.0.0.5',
      'www.example.com, example.com',
      'ecdsa-p256',
      true,
    ]);
    expect(await runCsr(ctx, { outDir: dir, wizard: true }, async () => p)).toBe(0);
    expect(p.rejected).toHaveLength(3);
    expect(p.rejected[0]).toMatch(
      /"www\.exa mple\.com": a name cannot contain spaces \(separate names with commas\)/,
    );
    expect(p.rejected[1]).toMatch(/"server\.local" is an internal name.*\[BR 4\.2\.2 internal name\]/);
    expect(p.rejected[2]).toMatch(
      /"10\.0\.0\.5" is not a public address.*\[BR 4\.2\.2 reserved IP address\]/,
    );
    const csr = openssl(['req', '-in', join(dir, 'www.example.com.csr'), '-noout', '-text']);
    expect(csr).toMatch(/DNS:www\.example\.com, DNS:example\.com\n/);
  });

  it('--private-ca lets an internal name through at the prompt', async () => {
    const { ctx, dir } = capture();
    const p = scriptedPrompter(['dv', 'pbx.office.lan', 'ecdsa-p256', true]);
    expect(await runCsr(ctx, { outDir: dir, wizard: true, privateCa: true }, async () => p)).toBe(0);
    expect(p.rejected).toEqual([]);
    expect(openssl(['req', '-in', join(dir, 'pbx.office.lan.csr'), '-noout', '-text'])).toMatch(
      /DNS:pbx\.office\.lan/,
    );
  });

  it('a second wizard order for the same name keeps the first order and its key; settings get the new names', async () => {
    const { ctx, dir } = capture();
    for (const [out, names] of [
      ['one', 'again.example.com'],
      ['two', 'again.example.com, more.example.com'],
    ] as const) {
      const p = scriptedPrompter(['dv', names, 'ecdsa-p256', true]);
      expect(await runCsr(ctx, { outDir: join(dir, out), wizard: true }, async () => p)).toBe(0);
    }
    const settings = await new Store(ctx.storeRoot).readSettings('again.example.com');
    expect(settings?.pendingOrders).toHaveLength(2);
    const [a, b] = settings!.pendingOrders!;
    expect(a!.id).not.toBe(b!.id);
    expect(readFileSync(a!.keyFile, 'utf8')).toMatch(/PRIVATE KEY/);
    expect(readFileSync(b!.keyFile, 'utf8')).not.toBe(readFileSync(a!.keyFile, 'utf8'));
    expect(a!.names).toEqual(['again.example.com']);
    expect(b!.names).toEqual(['again.example.com', 'more.example.com']);
    expect(settings!.domains).toEqual(['again.example.com', 'more.example.com']);
  });
});
