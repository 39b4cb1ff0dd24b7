/**
 * certkit's evaluation of certbot's Apache test trees against what Apache itself reports (`apache2 -S` on a
 * loadable copy), a dry-run plan per site that passes `apache2 -t` once applied to a copy, and golden plans.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, renderDiff } from '../../src/deploy/engine.js';
import { vhostLocation, vhostNames, type Vhost } from '../../src/deploy/apache/config.js';
import { parseDumpVhosts } from '../../src/deploy/apache/dump.js';
import {
  configOf,
  discoverApache,
  planApacheInstall,
  type ApachePlanOptions,
} from '../../src/deploy/apache/plan.js';
import { certkit } from '../helpers/cli.js';
import { issue, makeRoot, tempDir } from '../helpers/openssl.js';
import {
  HTTPD,
  REAL_CONFIGS,
  TREES,
  loadableCopy,
  planOptions,
  realConfigTree,
  type LoadableCopy,
} from './apache-corpus.js';

let pki: { cert: string; key: string };
beforeAll(() => {
  const dir = tempDir();
  const root = makeRoot(dir);
  const leaf = issue(dir, 'leaf', root, { cn: 'corpus.test', sans: ['corpus.test'], key: 'ec256' });
  pki = { cert: leaf.certFile, key: leaf.keyFile };
});

it('the apache2 binary is installed (Debian package apache2)', () => {
  expect(existsSync(HTTPD), `${HTTPD} is missing: apt-get install apache2`).toBe(true);
});

function options(names: string[], extra: Partial<ApachePlanOptions> = {}): ApachePlanOptions {
  return planOptions(names, { lineage: 'corpus', fullchainPath: pki.cert, keyPath: pki.key, ...extra });
}

/** The names a plan for this vhost is asked for: its own, or a made-up one targeted by FILE:LINE. */
function target(v: Vhost): { names: string[]; vhost?: string } {
  const names = vhostNames(v).filter((n) => !/[*?]/.test(n));
  if (names.length && !v.macro) return { names };
  return { names: names.length ? names : ['nameless.test'], vhost: vhostLocation(v) };
}

/** `install apache --list --json` on the copy against `apache2 -S` on the same copy. */
function expectListingEqualsApache(copy: LoadableCopy) {
  const r = copy.httpd(['-S']);
  const noise = /AH01574|AH00558|AH00112|AH02800|AH00111/;
  expect(
    r.code,
    r.output
      .split('\n')
      .filter((l) => !noise.test(l))
      .join(' | '),
  ).toBe(0);
  const apache = parseDumpVhosts(r.output);
  const cli = certkit(['--json', 'install', 'apache', '--list', '--server-root', copy.root], {
    env: copy.env,
  });
  expect(cli.code, cli.stderr).toBe(0);
  const listing = JSON.parse(cli.stdout) as {
    schemaVersion: number;
    vhosts: {
      file: string;
      line: number;
      macro: { file: string; line: number } | null;
      serverName: string | null;
      aliases: string[];
      live: boolean;
    }[];
    apache: { asked: boolean; differences: string[] };
  };
  expect(listing.schemaVersion).toBe(1);
  const where = (file: string, line: number, macro?: { file: string; line: number } | null) =>
    macro ? `${macro.file}:${macro.line}` : `${file}:${line}`;
  const ours = listing.vhosts
    .filter((v) => v.live)
    .map(
      (v) =>
        `${where(v.file, v.line, v.macro)} ${v.serverName ?? '(inherited)'} ${[...v.aliases].sort().join(',')}`,
    )
    .sort();
  const names = new Map(listing.vhosts.map((v) => [where(v.file, v.line, v.macro), v.serverName]));
  const theirs = apache
    .map((d) => {
      const at = where(d.file, d.line, d.macro);
      const name = names.get(at) === null ? '(inherited)' : d.name;
      // -S prints no aliases for an address with a single vhost: those are taken as certkit has them
      if (!d.aliasesKnown) return ours.find((o) => o.startsWith(`${at} ${name} `)) ?? `${at} ${name} ?`;
      return `${at} ${name} ${d.aliases
        .map((a) => a.toLowerCase())
        .sort()
        .join(',')}`;
    })
    .sort();
  expect(ours).toEqual(theirs);
  // certkit asked Apache itself too (through the layout's control command) and found no difference
  expect(listing.apache).toEqual({ asked: true, differences: [] });
}

describe.each(TREES)('certbot corpus tree $id', (tree) => {
  it('`install apache --list --json` equals what Apache reports for a loadable copy (file:line, names, aliases)', () => {
    expectListingEqualsApache(loadableCopy(tree));
  });

  it('a dry-run plan for each site passes apache2 -t once applied to a copy', async () => {
    const probe = loadableCopy(tree);
    const cfg = configOf(discoverApache(probe.root, 'corpus', probe.env as Record<string, string>));
    const sites = cfg.vhosts.filter((v) => !v.ssl);
    for (const v of sites) {
      const copy = loadableCopy(tree);
      const t = target(v);
      const file = v.macro ? v.macro.file : v.includedAs;
      const where = t.vhost ? t.vhost.replace(probe.root, copy.root) : undefined;
      const d = discoverApache(copy.root, 'corpus', copy.env as Record<string, string>);
      const plan = planApacheInstall(d, options(t.names, { vhost: where }));
      expect(renderDiff(plan), `${vhostLocation(v)}`).not.toBe('');
      let tested = '';
      await applyPlan(
        plan,
        {
          test: async () => {
            const r = copy.httpd(['-t']);
            tested = r.output;
            if (r.code !== 0)
              throw new Error(
                `${file}: ${r.output
                  .split('\n')
                  .filter((l) => !/AH01574|AH00558|AH00112|AH02800|AH00111/.test(l))
                  .join(' | ')}`,
              );
          },
          reload: async () => {},
          verify: async () => {},
          recover: async () => {},
        },
        null,
      );
      expect(tested).toMatch(/Syntax OK/);
    }
  });

  it('golden plan (no Apache started)', async () => {
    const copy = loadableCopy(tree);
    const d = discoverApache(copy.root, 'corpus', copy.env as Record<string, string>);
    const first = configOf(d).vhosts.find((v) => !v.ssl);
    if (!first) return expect(tree.id).toBe('complex_parsing'); // the one tree without a site
    const t = target(first);
    const plan = planApacheInstall(d, {
      ...options(t.names, { vhost: t.vhost }),
      fullchainPath: '/CERT',
      keyPath: '/KEY',
    });
    const golden = [
      `# site: ${vhostLocation(first)}`,
      ...plan.notes.map((n) => `# note: ${n}`),
      renderDiff(plan).replace(
        /^# (new file|new directory) (.*) \(mode (\d+), owner .*\)$/gm,
        '# $1 $2 (mode $3)',
      ),
    ]
      .join('\n')
      .split(dirname(copy.root))
      .join('<TREE>');
    await expect(golden).toMatchFileSnapshot(join('golden', `${tree.id.replace(/\//g, '_')}.diff`));
  });
});

describe('certbot real-user configs (apache-conf-files), each in a Debian tree', () => {
  it.each(REAL_CONFIGS)('%s: install apache --list --json equals apache2 -S', (conf) => {
    expectListingEqualsApache(realConfigTree(conf));
  });
});
