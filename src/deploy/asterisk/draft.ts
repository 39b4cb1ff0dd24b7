/**
 * The plan while the part planners build it: notes, endpoints, the configuration files they edit and the
 * certificate files they ask for. `deliver` sends the new certificate and key to the paths a section names
 * (a key-less tcptls section reads both from one file) and refuses relative paths and one file meant as a
 * certificate by one part and as a key by another.
 */
import { isAbsolute, join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { parseAsterisk } from './parser.js';
import type { Loaded, ReadFacts } from './files.js';
import type { AsteriskPart, AsteriskPlanOptions, Endpoint } from './types.js';

/** A certificate or key file to write: `secret` when it holds the key (its mode is then a key's). */
export interface CertWrite {
  path: string;
  content: string;
  secret: boolean;
  role: string;
}

export interface Draft {
  readonly o: AsteriskPlanOptions;
  readonly read: ReadFacts;
  readonly parts: AsteriskPart[];
  readonly notes: string[];
  readonly endpoints: Endpoint[];
  /** the configuration files changed, by path */
  readonly edited: Map<string, Loaded>;
  readonly certWrites: Map<string, CertWrite>;
  /** where the lineage's certificate and key go when a part names no files of its own */
  readonly ourCert: string;
  readonly ourKey: string;
  /** The certificate (and key) go to the paths a section names; a key-less tcptls section reads both from one file. */
  deliver: (certFile: string, keyFile: string | undefined, role: string) => void;
  /** A configuration file as edited so far, else as read. */
  load: (path: string) => Loaded;
}

export function startDraft(o: AsteriskPlanOptions, read: ReadFacts, parts: AsteriskPart[]): Draft {
  const edited = new Map<string, Loaded>();
  const certWrites = new Map<string, CertWrite>();
  const combined = o.fullchainPem.replace(/\n?$/, '\n') + o.keyPem;

  const deliver = (certFile: string, keyFile: string | undefined, role: string) => {
    const want = (path: string, content: string, secret: boolean) => {
      if (!isAbsolute(path))
        throw new CertkitError(
          'usage',
          `${role} names "${path}", a relative path (Asterisk resolves it against its own working directory)`,
          'make it an absolute path, e.g. /etc/asterisk/keys/asterisk.pem, then run certkit again',
        );
      const prior = certWrites.get(path);
      if (prior && prior.content !== content)
        throw new CertkitError(
          'usage',
          `${path} is used as a certificate by one part and as a key (or both) by another`,
          'give each part its own files, or the same cert_file/priv_key_file pair',
        );
      certWrites.set(path, { path, content, secret: secret || !!prior?.secret, role });
    };
    if (!keyFile || keyFile === certFile) want(certFile, combined, true);
    else {
      want(certFile, o.fullchainPem, false);
      want(keyFile, o.keyPem, true);
    }
  };

  const load = (path: string): Loaded => {
    const known = edited.get(path);
    if (known) return known;
    const facts = read(path);
    return { path, facts, file: parseAsterisk(facts?.text ?? '') };
  };

  return {
    o,
    read,
    parts,
    notes: [],
    endpoints: [],
    edited,
    certWrites,
    ourCert: join(o.keysDir, `${o.lineage}.crt`),
    ourKey: join(o.keysDir, `${o.lineage}.key`),
    deliver,
    load,
  };
}
