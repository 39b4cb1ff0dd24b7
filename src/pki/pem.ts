/** PEM splitting, tolerant of a BOM, CRLF line ends and text around the blocks. */
export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Buffer;
  text: string;
  /** line of the BEGIN marker, from 1 (for error messages) */
  line: number;
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function hasPemMarker(text: string): boolean {
  return /-----BEGIN [A-Z0-9 #]+-----/.test(text);
}

/** Returns every complete block; throws an Error naming the first BEGIN without a matching END. */
export function splitPem(input: string): PemBlock[] {
  const text = stripBom(input).replace(/\r\n?/g, '\n');
  const blocks: PemBlock[] = [];
  const begin = /-----BEGIN ([A-Z0-9 #]+)-----/g;
  let m: RegExpExecArray | null;
  // line numbers counted as the blocks are found (once over the text, not once per block)
  let countedTo = 0;
  let lineNo = 1;
  const lineAt = (index: number) => {
    for (let i = text.indexOf('\n', countedTo); i !== -1 && i < index; i = text.indexOf('\n', i + 1))
      lineNo++;
    countedTo = Math.max(countedTo, index);
    return lineNo;
  };
  while ((m = begin.exec(text))) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    const label = m[1]!;
    const endMarker = `-----END ${label}-----`;
    const endAt = text.indexOf(endMarker, m.index);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- m is the match of this loop iteration, non-null inside the loop
    const line = () => lineAt(m!.index);
    if (endAt < 0)
      throw new Error(`truncated PEM: "BEGIN ${label}" at line ${line()} has no matching END line`);
    const body = text.slice(m.index + m[0].length, endAt);
    const headers: Record<string, string> = {};
    const lines = body.split('\n');
    const base64Lines: string[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      const h = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
      if (h && base64Lines.length === 0) headers[h[1]!] = h[2]!;
      else base64Lines.push(line.trim());
    }
    const b64 = base64Lines.join('');
    if (!/^[A-Za-z0-9+/=]*$/.test(b64))
      throw new Error(`damaged PEM: the "${label}" block at line ${line()} holds non-base64 text`);
    const der = Buffer.from(b64, 'base64');
    if (der.length === 0) throw new Error(`empty PEM block "${label}" at line ${line()}`);
    const full = text.slice(m.index, endAt + endMarker.length);
    blocks.push({ label, headers, der, text: full + '\n', line: line() });
    begin.lastIndex = endAt + endMarker.length;
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
