/**
 * install asterisk follows pjsip.conf's #include globs as Asterisk does (QA round 3): Asterisk opens
 * `#include "pjsip.d/*.conf"` with glob(3) (GLOB_BRACE), so a TLS transport in pjsip.d/ is the one to update,
 * not a reason to add a second one. A dry run only reads the files: no Asterisk needed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandInclude, type ReadFacts } from '../../src/deploy/asterisk/files.js';
import { dryRunPbx } from '../helpers/asterisk-dry-run.js';
import { certkit } from '../helpers/cli.js';

describe('install asterisk and #include globs', () => {
  it('a TLS transport in a file pulled in by #include "pjsip.d/*.conf" gets the certificate at its own paths', () => {
    const { etc, keys, installArgs } = dryRunPbx();
    mkdirSync(join(etc, 'pjsip.d'));
    writeFileSync(join(etc, 'pjsip.conf'), '[global]\ntype=global\n#include "pjsip.d/*.conf"\n');
    writeFileSync(join(etc, 'pjsip.d', '10-udp.conf'), '[transport-udp]\ntype=transport\nprotocol=udp\n');
    writeFileSync(
      join(etc, 'pjsip.d', '20-tls.conf'),
      `[transport-tls]\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\nmethod=tlsv1_2\ncert_file=${keys}/old.pem\npriv_key_file=${keys}/old.key\n`,
    );
    const r = certkit(['--json', ...installArgs, '--pjsip', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { path: string }[]; notes: string[] };
    expect(out.files.map((f) => f.path).sort()).toEqual([join(keys, 'old.key'), join(keys, 'old.pem')]);
    expect(out.notes.join(' ')).not.toMatch(/no PJSIP TLS transport found/);
  });

  it('QA3: certificate paths set in a [transport-tls](+) section appending to the transport are the ones written', () => {
    const { etc, keys, installArgs } = dryRunPbx();
    mkdirSync(join(etc, 'pjsip.d'));
    // CRLF as written on Windows editors; the paths come from the appending section in an included file
    writeFileSync(
      join(etc, 'pjsip.conf'),
      '[transport-tls]\r\ntype=transport\r\nprotocol=tls\r\nbind=0.0.0.0:5061\r\nmethod=tlsv1_2\r\n#include pjsip.d/*.conf\r\n',
    );
    writeFileSync(
      join(etc, 'pjsip.d', 'tls-files.conf'),
      `[transport-tls](+)\r\ncert_file=${keys}/old.pem\r\npriv_key_file=${keys}/old.key\r\n`,
    );
    const r = certkit(['--json', ...installArgs, '--pjsip', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { path: string }[]; notes: string[] };
    expect(out.files.map((f) => f.path).sort()).toEqual([join(keys, 'old.key'), join(keys, 'old.pem')]);
    expect(out.notes.join(' ')).not.toMatch(/paths were not set|allow_reload/);
  });

  it('expandInclude: *, ?, [..], {a,b}, sorted; no leading-dot matches; no match gives the path itself', () => {
    const dirs: Record<string, string[]> = {
      '/etc/asterisk': ['pjsip.conf', 'pjsip.d', 'x.d'],
      '/etc/asterisk/pjsip.d': ['20-tls.conf', '10-udp.conf', '.20-tls.conf.swp', 'README', 'a1.conf'],
      '/etc/asterisk/x.d': ['y.conf'],
    };
    const read = Object.assign(() => null, { list: (d: string) => dirs[d] ?? null }) as ReadFacts;
    expect(expandInclude('/etc/asterisk/pjsip.d/*.conf', read)).toEqual([
      '/etc/asterisk/pjsip.d/10-udp.conf',
      '/etc/asterisk/pjsip.d/20-tls.conf',
      '/etc/asterisk/pjsip.d/a1.conf',
    ]);
    expect(expandInclude('/etc/asterisk/pjsip.d/{10,20}-*.conf', read)).toHaveLength(2);
    expect(expandInclude('/etc/asterisk/pjsip.d/[a-z]?.conf', read)).toEqual([
      '/etc/asterisk/pjsip.d/a1.conf',
    ]);
    expect(expandInclude('/etc/asterisk/*.d/y.conf', read)).toEqual(['/etc/asterisk/x.d/y.conf']);
    expect(expandInclude('/etc/asterisk/none/*.conf', read)).toEqual(['/etc/asterisk/none/*.conf']);
    expect(expandInclude('/etc/asterisk/pjsip.conf', read)).toEqual(['/etc/asterisk/pjsip.conf']);
  });
});
