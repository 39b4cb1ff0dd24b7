import { readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApache, printApache, splitArgs } from '../../src/deploy/apache/parser.js';
import { loadApacheConfig, vhostServes } from '../../src/deploy/apache/config.js';
import { tempDir } from '../helpers/openssl.js';

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else if (/\.(conf|load|vhost)$|apache2\.conf$|envvars$/.test(p)) out.push(p);
  };
  walk(dir);
  return out;
}

const corpus = [...files('/etc/apache2'), ...files(join(import.meta.dirname, '..', 'fixtures', 'apache'))];

describe('Apache parser', () => {
  it('has a corpus to work on (Debian apache2 config plus varied fixtures)', () => {
    expect(corpus.length).toBeGreaterThan(50);
  });

  it.each(corpus)('round-trips %s byte for byte', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(printApache(parseApache(text))).toBe(text);
  });

  it('splits quoted arguments and keeps continuations in one directive', () => {
    expect(splitArgs(`"a b" 'c d' e "f \\"g\\""`)).toEqual(['a b', 'c d', 'e', 'f "g"']);
    const nodes = parseApache(
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'apache', 'varied.conf'), 'utf8'),
    );
    const text = JSON.stringify(nodes);
    expect(text).toContain('"args":["a.example.com","b.example.com","*.wild.example.com"]');
  });

  it('reports an unclosed block with its line', () => {
    expect(() => parseApache('<VirtualHost *:80>\nServerName x\n')).toThrow(
      /opened on line 1 is never closed/,
    );
    expect(() => parseApache('<VirtualHost *:80>\n</Directory>\n')).toThrow(/closes <VirtualHost>/);
  });

  it('discovers vhosts the way Apache does: IfDefine, IfModule, case-insensitive names, wildcards', () => {
    const root = tempDir();
    mkdirSync(join(root, 'conf'));
    const varied = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'apache', 'varied.conf'), 'utf8');
    writeFileSync(
      join(root, 'conf', 'httpd.conf'),
      varied +
        '<IfDefine NOPE>\n<VirtualHost *:80>\nServerName hidden.example.com\n</VirtualHost>\n</IfDefine>\n',
    );
    const cfg = loadApacheConfig(root);
    expect(cfg.layout).toBe('rhel');
    const live = cfg.vhosts;
    expect(live.map((v) => v.serverName)).toEqual(['quoted.example.com', 'lower.example.com']);
    const hidden = cfg.allVhosts.find((v) => v.serverName === 'hidden.example.com')!;
    expect([hidden.live, hidden.offBecause]).toEqual([false, ['<IfDefine NOPE>']]);
    const [v] = live;
    expect(vhostServes(v!, 'x.wild.example.com')).toBe(true);
    expect(vhostServes(v!, 'b.example.com')).toBe(true);
    expect(vhostServes(v!, 'wild.example.com')).toBe(false);
    expect(live[1]!.addresses).toEqual([{ host: '10.0.0.1', port: 8080 }]);
  });
});
