/** Shared by the Apache integration tests: a local CA, lineages imported into a store, HTTPS requests by SNI. */
import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { certkitAsync, type CliResult } from '../helpers/cli.js';
import { issue, makeRoot, openssl, read, tempDir } from '../helpers/openssl.js';

let ca: { root: ReturnType<typeof makeRoot>; int: ReturnType<typeof issue>; dir: string } | undefined;
export function testCa() {
  if (!ca) {
    const dir = tempDir();
    const root = makeRoot(dir);
    const int = issue(dir, 'int', root, { cn: 'certkit Apache Test Intermediate', ca: true });
    ca = { root, int, dir };
  }
  return ca;
}

/** A store with an imported lineage for the names (a local CA; the ACME path is tested in acme.test.ts). */
export function lineage(names: string[], tag = names[0]!) {
  const dir = tempDir();
  const leaf = issue(dir, tag, testCa().int, { cn: names[0]!, sans: names, key: 'ec256' });
  const store = join(dir, 'store');
  execFileSync(process.execPath, [
    'bin/certkit.cjs',
    '--store',
    store,
    'import',
    '--cert',
    leaf.certFile,
    '--chain',
    testCa().int.certFile,
    '--key',
    leaf.keyFile,
    '--name',
    tag,
  ]);
  return {
    store,
    leaf,
    dir,
    fingerprint: openssl(['x509', '-in', leaf.certFile, '-noout', '-fingerprint', '-sha256'])
      .split('=')[1]!
      .trim(),
  };
}

export function httpsGet(
  port: number,
  host: string,
  path: string,
  auth?: string,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: host,
        headers: {
          host,
          ...(auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}),
        },
        ca: read(testCa().root.certFile),
        checkServerIdentity: () => undefined,
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `certkit install apache --name NAME --server-root ROOT --tls-port PORT --yes ...` as a whole process. */
export function installApacheCli(
  store: string,
  serverRoot: string,
  name: string,
  tlsPort: number,
  extra: string[] = [],
): Promise<CliResult> {
  return certkitAsync([
    '--store',
    store,
    'install',
    'apache',
    '--name',
    name,
    '--server-root',
    serverRoot,
    '--tls-port',
    String(tlsPort),
    '--yes',
    ...extra,
  ]);
}
