#!/usr/bin/env node
// `npm run conformance`: certkit's path validator on the x509-limbo SERVER cases (test/fixtures/x509-limbo),
// side by side with `openssl verify -x509_strict` and Node's TLS client (a real handshake on loopback) on the
// same cases. Prints the agreement of each and every case where certkit disagrees with the expected result.
// Needs the build (dist/): run `npm run build` first (npm run conformance does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { validatePath } from '../dist/pki/path/index.js';
import { caseInput, loadServerCases, strictGroup } from './lib/limbo.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--certkit-only');

function certkitVerdict(tc) {
  const r = validatePath(caseInput(tc));
  return { got: r.trusted ? 'SUCCESS' : 'FAILURE', why: r.problems.map((p) => p.id).join(',') };
}

function opensslVerdict(tc, dir) {
  const file = (name, pems) => {
    const p = join(dir, name);
    writeFileSync(p, pems.join('\n'));
    return p;
  };
  const a = ['verify', '-x509_strict', '-no-CApath', '-no-CAstore', '-purpose', 'sslserver'];
  a.push('-CAfile', file('trusted.pem', tc.trusted_certs));
  if (tc.untrusted_intermediates.length)
    a.push('-untrusted', file('untrusted.pem', tc.untrusted_intermediates));
  const at = tc.validation_time ? new Date(tc.validation_time) : new Date();
  a.push('-attime', String(Math.floor(at.getTime() / 1000)));
  const name = tc.expected_peer_name;
  if (name?.kind === 'DNS') a.push('-verify_hostname', name.value);
  if (name?.kind === 'IP') a.push('-verify_ip', name.value);
  if (tc.max_chain_depth != null) a.push('-verify_depth', String(tc.max_chain_depth));
  if (tc.crls?.length) a.push('-crl_check', '-CRLfile', file('crls.pem', tc.crls));
  a.push(file('leaf.pem', [tc.peer_certificate]));
  const r = spawnSync('openssl', a, { encoding: 'utf8', timeout: 20_000 });
  if (r.error)
    throw new Error(`openssl not runnable (install the Debian package openssl): ${r.error.message}`);
  return r.status === 0 ? 'SUCCESS' : 'FAILURE';
}

/** Node's TLS client (OpenSSL's X509_verify_cert plus checkServerIdentity) in a real loopback handshake. */
async function nodeVerdict(tc) {
  if (tc.validation_time || !tc.peer_certificate_key || tc.crls?.length || tc.max_chain_depth != null)
    return 'n/a';
  const name = tc.expected_peer_name;
  if (!name || (name.kind !== 'DNS' && name.kind !== 'IP')) return 'n/a';
  let server;
  try {
    server = tls.createServer({
      key: tc.peer_certificate_key,
      cert: [tc.peer_certificate, ...tc.untrusted_intermediates].join('\n'),
    });
  } catch {
    return 'n/a';
  }
  server.on('secureConnection', (s) => s.end());
  server.on('tlsClientError', () => {});
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  try {
    return await new Promise((res) => {
      let identityError;
      const sock = tls.connect({
        host: '127.0.0.1',
        port: server.address().port,
        ca: tc.trusted_certs,
        servername: isIP(name.value) ? undefined : name.value,
        rejectUnauthorized: false,
        checkServerIdentity: (_h, cert) => (identityError = tls.checkServerIdentity(name.value, cert)),
      });
      sock.setTimeout(5000, () => {
        sock.destroy();
        res('n/a');
      });
      sock.on('secureConnect', () => {
        res(sock.authorized && !identityError ? 'SUCCESS' : 'FAILURE');
        sock.destroy();
      });
      sock.on('error', () => res('n/a'));
    });
  } finally {
    server.close();
  }
}

const cases = loadServerCases();
const dir = mkdtempSync(join(tmpdir(), 'certkit-limbo-'));
const rows = [];
try {
  for (const tc of cases) {
    const ck = certkitVerdict(tc);
    rows.push({
      id: tc.id,
      expected: tc.expected_result,
      certkit: ck.got,
      why: ck.why,
      openssl: only ? 'n/a' : opensslVerdict(tc, dir),
      node: only ? 'n/a' : await nodeVerdict(tc),
      group: strictGroup(tc),
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const tally = (key) => {
  const expressed = rows.filter((r) => r[key] !== 'n/a');
  const agree = expressed.filter((r) => r[key] === r.expected).length;
  return {
    agree,
    of: expressed.length,
    percent: expressed.length ? +((100 * agree) / expressed.length).toFixed(1) : null,
  };
};
const summary = {
  cases: rows.length,
  certkit: tally('certkit'),
  openssl: only ? null : tally('openssl'),
  node: only ? null : tally('node'),
  strictGroupsAccepted: rows
    .filter((r) => r.group && r.expected === 'FAILURE' && r.certkit === 'SUCCESS')
    .map((r) => r.id),
  disagreements: rows.filter((r) => r.certkit !== r.expected),
};
if (json) {
  console.log(JSON.stringify({ schemaVersion: 1, ...summary, rows }, null, 2));
} else {
  const pct = (t) => (t ? `${t.agree}/${t.of} (${t.percent}%)` : 'not run');
  console.log(`x509-limbo SERVER cases: ${rows.length}`);
  console.log(`  certkit verify         ${pct(summary.certkit)}`);
  console.log(`  openssl verify -x509_strict ${pct(summary.openssl)}`);
  console.log(
    `  Node TLS client        ${pct(summary.node)}  (cases at "now" without CRLs/depth limits only)`,
  );
  console.log(
    `  accepted in the must-reject groups: ${summary.strictGroupsAccepted.length ? summary.strictGroupsAccepted.join(', ') : 'none'}`,
  );
  console.log(`\ncertkit disagrees on ${summary.disagreements.length}:`);
  console.log(
    `  ${'case'.padEnd(60)} ${'expected'.padEnd(8)} ${'certkit'.padEnd(8)} ${'openssl'.padEnd(8)} ${'node'.padEnd(8)} certkit's reasons`,
  );
  for (const r of summary.disagreements)
    console.log(
      `  ${r.id.padEnd(60)} ${r.expected.padEnd(8)} ${r.certkit.padEnd(8)} ${r.openssl.padEnd(8)} ${r.node.padEnd(8)} ${r.why}`,
    );
}
