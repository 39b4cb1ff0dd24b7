/**
 * install asterisk --dry-run on configuration files that hold secrets (QA round 3): the diff's context and
 * changed lines of pjsip.conf, manager.conf and sip.conf show `<hidden>` instead of passwords, AMI secrets and
 * register-line passwords, on the terminal and in --json. No Asterisk needed: a dry run only reads the files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hideSecrets } from '../../src/deploy/asterisk/hide-secrets.js';
import { dryRunPbx } from '../helpers/asterisk-dry-run.js';
import { certkit } from '../helpers/cli.js';

const SECRETS = ['Pjsip-6001-pw', 'Ami-admin-pw', 'Sip-peer-pw', 'Trunk-reg-pw'];

describe('install asterisk --dry-run never shows a configuration secret', () => {
  it('pjsip auth password, AMI secret, chan_sip secret and register password next to changed lines are hidden', () => {
    const { etc, keys, installArgs: args } = dryRunPbx();
    // a TLS transport without method (certkit adds method and allow_reload) right above an auth section
    writeFileSync(
      join(etc, 'pjsip.conf'),
      `[transport-tls]\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\ncert_file=${keys}/old.pem\npriv_key_file=${keys}/old.key\n\n[6001]\npassword=${SECRETS[0]}\ntype=auth\n`,
    );
    writeFileSync(
      join(etc, 'manager.conf'),
      `[general]\nenabled = yes\nbindaddr = 127.0.0.1\n\n[admin]\nsecret = ${SECRETS[1]}\nread = all\n`,
    );
    writeFileSync(
      join(etc, 'sip.conf'),
      `[general]\ntlsenable=no\nregister => trunk:${SECRETS[3]}@sip.example.test/100\n\n[peer]\nsecret=${SECRETS[2]}\n`,
    );
    const parts = ['--pjsip', '--manager', '--sip', '--sip-bind', '0.0.0.0:5062', '--dry-run'];
    const text = certkit([...args, ...parts]);
    expect(text.code, text.stderr).toBe(0);
    // the lines are there, with their keys, but not their values
    expect(text.stdout).toMatch(/^ password=<hidden>$/m);
    expect(text.stdout).toMatch(/^ secret = <hidden>$/m);
    expect(text.stdout).toMatch(/^ register => trunk:<hidden>@sip\.example\.test\/100$/m);
    const json = certkit(['--json', ...args, ...parts]);
    expect(json.code, json.stderr).toBe(0);
    for (const s of SECRETS) {
      expect(text.stdout + text.stderr).not.toContain(s);
      expect(json.stdout + json.stderr).not.toContain(s);
    }
  });

  it('hideSecrets: only setting lines of the diff, any marker, every secret key; other lines untouched', () => {
    const diff = [
      '--- a/etc/asterisk/sip.conf',
      '+++ b/etc/asterisk/sip.conf',
      '@@ -1,4 +1,5 @@',
      '-md5secret = abc ; old',
      '+remotesecret=def',
      ' register => tls://user:pw:authuser@host:5061/200',
      ' register => user@host',
      ' md5_cred=0123',
      ' username=6001',
      '+tlscertfile=/etc/asterisk/keys/pbx.crt',
    ].join('\n');
    expect(hideSecrets(diff).split('\n')).toEqual([
      '--- a/etc/asterisk/sip.conf',
      '+++ b/etc/asterisk/sip.conf',
      '@@ -1,4 +1,5 @@',
      '-md5secret = <hidden>',
      '+remotesecret=<hidden>',
      ' register => tls://user:<hidden>@host:5061/200',
      ' register => user@host',
      ' md5_cred=<hidden>',
      ' username=6001',
      '+tlscertfile=/etc/asterisk/keys/pbx.crt',
    ]);
  });
});
