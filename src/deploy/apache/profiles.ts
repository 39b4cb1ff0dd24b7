/** Mozilla's server-side TLS profiles (guidelines 6.0) as an Apache snippet, and HSTS. */
export type TlsProfile = 'intermediate' | 'modern';

export function tlsProfileSnippet(profile: TlsProfile): string {
  const common = [
    'SSLOpenSSLConfCmd Curves X25519:prime256v1:secp384r1',
    'SSLHonorCipherOrder off',
    'SSLSessionTickets off',
  ];
  const lines =
    profile === 'modern'
      ? ['SSLProtocol -all +TLSv1.3', ...common]
      : [
          'SSLProtocol -all +TLSv1.2 +TLSv1.3',
          'SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
          ...common,
        ];
  return [
    `# Managed by certkit: Mozilla "${profile}" TLS profile. Edits are overwritten.`,
    ...lines,
    '',
  ].join('\n');
}

export const HSTS_HEADER = 'max-age=63072000';
