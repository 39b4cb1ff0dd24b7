/** Well-known ACME directories, by the names users type. */
export const ACME_SERVERS: Record<string, string> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
  zerossl: 'https://acme.zerossl.com/v2/DV90',
  google: 'https://dv.acme-v02.api.pki.goog/directory',
  'google-staging': 'https://dv.acme-v02.test-api.pki.goog/directory',
};

/** CAs that refuse new accounts without external account binding. */
export const EAB_REQUIRED = new Set([
  ACME_SERVERS.zerossl,
  ACME_SERVERS.google,
  ACME_SERVERS['google-staging'],
]);

export function resolveServer(nameOrUrl: string): string {
  const known = ACME_SERVERS[nameOrUrl];
  if (known) return known;
  if (/^https?:\/\//.test(nameOrUrl)) return nameOrUrl;
  throw new Error(
    `unknown ACME server "${nameOrUrl}": use ${Object.keys(ACME_SERVERS).join(', ')} or a directory URL`,
  );
}

/** A file-system-safe id for a directory URL, used to keep accounts apart per CA. */
export function serverId(directoryUrl: string): string {
  const u = new URL(directoryUrl);
  return `${u.hostname}${u.port ? `_${u.port}` : ''}${u.pathname.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '')}`;
}
