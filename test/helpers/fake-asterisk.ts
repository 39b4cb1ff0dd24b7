/**
 * A FAKE Asterisk, because Asterisk is not packaged for Debian 12 and cannot run here. It stands in for
 * `asterisk -rx ...` through the installer's injected command runner: it records every command, and on a
 * reload it (re)starts real TLS listeners from the files the config names, the way Asterisk's own loader
 * would (fullchain PEM as cert_file/tlscertfile, a separate key), so the test can handshake with them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { parseAsterisk, settingValue, effectiveValue, isTemplate } from '../../src/deploy/asterisk/parser.js';
import type { CommandRunner } from '../../src/deploy/asterisk/install.js';

export class FakeAsterisk {
  readonly commands: string[][] = [];
  private servers = new Map<string, Server>();
  constructor(private readonly configDir: string) {}

  runner: CommandRunner = async (cmd, args) => {
    this.commands.push([cmd, ...args]);
    if (args[0] === '-V') return { code: 0, output: 'Asterisk 22.0.0 (FAKE, test stand-in)' };
    const what = args[1] ?? '';
    if (what === 'module reload res_pjsip.so') await this.pjsip();
    if (what === 'module reload http') await this.general('http.conf', 'http');
    if (what === 'manager reload') await this.general('manager.conf', 'manager');
    if (what === 'sip reload') await this.general('sip.conf', 'sip');
    return { code: 0, output: '' };
  };

  private async listen(key: string, bind: string, certFile: string, keyFile: string) {
    await new Promise<void>((r) => (this.servers.get(key) ? this.servers.get(key)!.close(() => r()) : r()));
    const [host, port] = [
      bind.slice(0, bind.lastIndexOf(':')),
      Number(bind.slice(bind.lastIndexOf(':') + 1)),
    ];
    const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(port, host, r));
    this.servers.set(key, server);
  }

  private async pjsip() {
    const text = ['pjsip.conf', 'pjsip_certkit.conf', 'pjsip_transports.conf']
      .map((f) => {
        try {
          return readFileSync(join(this.configDir, f), 'utf8');
        } catch {
          return '';
        }
      })
      .join('\n');
    const file = parseAsterisk(text);
    for (const s of file.sections) {
      if (
        isTemplate(s) ||
        effectiveValue(file, s, 'protocol') !== 'tls' ||
        effectiveValue(file, s, 'type') !== 'transport'
      )
        continue;
      await this.listen(
        `pjsip:${s.header.name}`,
        effectiveValue(file, s, 'bind')!,
        effectiveValue(file, s, 'cert_file')!,
        effectiveValue(file, s, 'priv_key_file')!,
      );
    }
  }

  private async general(file: string, key: string) {
    const f = parseAsterisk(readFileSync(join(this.configDir, file), 'utf8'));
    const g = f.sections.find((s) => s.header.name === 'general')!;
    if (settingValue(g.lines, 'tlsenable') !== 'yes') return;
    await this.listen(
      key,
      settingValue(g.lines, 'tlsbindaddr')!,
      settingValue(g.lines, 'tlscertfile')!,
      settingValue(g.lines, 'tlsprivatekey')!,
    );
  }

  async stop() {
    for (const s of this.servers.values()) await new Promise<void>((r) => s.close(() => r()));
  }
}
