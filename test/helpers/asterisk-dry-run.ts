/**
 * For dry runs of `install asterisk` (which only read files, so need no Asterisk): a configuration directory
 * with keys/ holding a self-signed certificate the configuration already names (keys/old.pem, old.key), and a
 * store lineage "pbx" for pbx.example.test from a local test CA. `installArgs` are the command's arguments.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { certkit } from './cli.js';
import { makeChain, selfSignedLeaf, tempDir } from './openssl.js';

export function dryRunPbx(): { dir: string; etc: string; keys: string; installArgs: string[] } {
  const dir = tempDir();
  const etc = join(dir, 'etc');
  const keys = join(etc, 'keys');
  mkdirSync(keys, { recursive: true });
  const old = selfSignedLeaf(dir, 'old', 'pbx.example.test');
  copyFileSync(old.certFile, join(keys, 'old.pem'));
  copyFileSync(old.keyFile, join(keys, 'old.key'));
  const chain = makeChain(dir, ['pbx.example.test']);
  const store = join(dir, 'store');
  const pem = { cert: chain.ecLeaf.certFile, chain: chain.int.certFile, key: chain.ecLeaf.keyFile };
  const imp = certkit([
    '--store',
    store,
    'import',
    '--name',
    'pbx',
    ...Object.entries(pem).flatMap(([k, v]) => [`--${k}`, v]),
  ]);
  if (imp.code !== 0) throw new Error(`import failed: ${imp.stderr}`);
  const installArgs = ['--store', store, 'install', 'asterisk', '--name', 'pbx', '--config-dir', etc];
  return { dir, etc, keys, installArgs: [...installArgs, '--keys-dir', keys] };
}
