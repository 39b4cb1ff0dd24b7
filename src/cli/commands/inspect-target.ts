/**
 * What an `inspect` argument that names nothing on disk means: a server to read the chain from, given as
 * HOST:PORT, [IPv6]:PORT, a URL (https://host, smtp://host:2525) or a dotted host name (www.example.com, port
 * 443, as `check` takes it), or else a file that is missing. A name without a dot or with a certificate file's
 * extension is never taken for a host: `inspect fullchain` and `inspect site.pem` are missing files. Pure.
 */
import { inputError, usageError } from '../../errors.js';
import { parseTarget, type Target } from '../../monitor/targets.js';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** host:port or [v6]:port, the port in digits */
const HOST_PORT = /^(?:\[[^\]]*\]|[^:[\]]*):(\d+)$/;
/** could be a host name a user meant (not a file name with a certificate's extension) */
const HOST_LIKE = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/i;
const FILE_EXTENSION = /\.(pem|crt|cer|der|key|csr|p7b|p7c|pfx|p12|chain)$/i;

/** The server `spec` names, or a one-line CertkitError: a missing file, a port out of range, a bad address. */
export function inspectEndpoint(spec: string, starttls?: string): Extract<Target, { kind: 'endpoint' }> {
  const port = HOST_PORT.exec(spec)?.[1];
  const dottedHost = HOST_LIKE.test(spec) && spec.includes('.') && !FILE_EXTENSION.test(spec);
  if (port === undefined && !URL_SCHEME.test(spec) && !dottedHost)
    throw inputError(
      `${spec}: no such file`,
      HOST_LIKE.test(spec) && !FILE_EXTENSION.test(spec)
        ? "a server's chain is read from HOST:PORT"
        : undefined,
    );
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))
    throw usageError(`${spec}: port ${port} is out of range (1 to 65535)`);
  const target = parseTarget(spec, { starttls });
  if (target.kind !== 'endpoint') throw inputError(`${spec}: no such file`);
  return target;
}
