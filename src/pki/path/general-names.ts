/** GeneralName (RFC 5280 §4.2.1.6) as used in subjectAltName and in name constraints. */
import { children, type Tlv } from '../der.js';

export type GeneralName =
  | { kind: 'dns'; value: string }
  | { kind: 'ip'; value: string; bytes: Buffer }
  | { kind: 'email'; value: string }
  | { kind: 'uri'; value: string }
  | { kind: 'dn'; value: string; rdns: Buffer[] }
  | { kind: 'other'; value: string; tag: number };

/** An address as text: dotted decimal, or IPv6 in RFC 5952 form (lowercase, longest zero run as ::). */
export function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/**
 * Decode a list of GeneralName TLVs. In a constraint an iPAddress is address+mask (8 or 32 bytes); in a
 * subjectAltName it is an address (4 or 16 bytes). Throws on a shape the RFC doesn't allow.
 */
export function parseGeneralNames(buf: Buffer, tlvs: Tlv[], inConstraint: boolean): GeneralName[] {
  const out: GeneralName[] = [];
  for (const t of tlvs) {
    const raw = Buffer.from(buf.subarray(t.contentStart, t.end));
    switch (t.tag) {
      case 0x82:
      case 0x81:
      case 0x86: {
        if ([...raw].some((b) => b > 0x7e || b < 0x20)) throw new Error('name is not printable ASCII');
        const value = raw.toString('latin1');
        out.push({ kind: t.tag === 0x82 ? 'dns' : t.tag === 0x81 ? 'email' : 'uri', value });
        break;
      }
      case 0x87: {
        const ok = inConstraint
          ? raw.length === 8 || raw.length === 32
          : raw.length === 4 || raw.length === 16;
        if (!ok) throw new Error(`iPAddress of ${raw.length} bytes`);
        const half = inConstraint ? raw.length / 2 : raw.length;
        out.push({
          kind: 'ip',
          value: ipText(raw.subarray(0, half)) + (inConstraint ? `/${ipText(raw.subarray(half))}` : ''),
          bytes: raw,
        });
        break;
      }
      case 0xa4: {
        const [name] = children(buf, t);
        if (!name || name.tag !== 0x30) throw new Error('directoryName is not a Name');
        out.push({
          kind: 'dn',
          value: 'DirName',
          rdns: children(buf, name).map((r) => Buffer.from(buf.subarray(r.start, r.end))),
        });
        break;
      }
      case 0xa0:
        out.push({ kind: 'other', value: 'othername', tag: t.tag });
        break;
      default:
        out.push({ kind: 'other', value: `GeneralName [${t.tag & 0x1f}]`, tag: t.tag });
    }
  }
  return out;
}
