/**
 * A lossless parser for Asterisk's config format: [sections] with (!) templates, (t1,t2) inheritance and (+)
 * appends, key=value and key=>value, ";" comments (with "\;" escapes), ";-- block comments --;", and
 * #include / #tryinclude / #exec. print(parse(text)) === text.
 */
export type AstLine =
  | { kind: 'text'; raw: string }
  | { kind: 'section'; raw: string; name: string; options: string[] }
  | { kind: 'setting'; raw: string; key: string; value: string; op: '=' | '=>' }
  | { kind: 'include'; raw: string; directive: string; path: string };

export interface AstSection {
  header: Extract<AstLine, { kind: 'section' }>;
  lines: AstLine[];
}

export interface AstFile {
  preamble: AstLine[];
  sections: AstSection[];
}

/** The part of a line before an unescaped ";" comment. */
export function stripComment(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === ';') {
      out += ';';
      i++;
    } else if (line[i] === ';') break;
    else out += line.charAt(i);
  }
  return out;
}

export function parseAsterisk(text: string): AstFile {
  const file: AstFile = { preamble: [], sections: [] };
  let current: AstLine[] = file.preamble;
  let inBlock = false;
  for (const raw of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const line = raw.replace(/\r?\n$/, '');
    if (inBlock) {
      current.push({ kind: 'text', raw });
      if (line.includes('--;')) inBlock = false;
      continue;
    }
    // ";--" opens a block comment, but ";---..." (a line of dashes) does not: Asterisk checks the 4th char
    if (/^\s*;--(?!-)/.test(line) && !/--;/.test(line.slice(line.indexOf(';--') + 3))) {
      inBlock = true;
      current.push({ kind: 'text', raw });
      continue;
    }
    const body = stripComment(line).trim();
    if (body === '') {
      current.push({ kind: 'text', raw });
      continue;
    }
    const inc = /^#(include|tryinclude|exec)\s+"?([^"]+?)"?\s*$/.exec(body);
    if (inc) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture groups of a successful match
      current.push({ kind: 'include', raw, directive: inc[1]!, path: inc[2]! });
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*(?:\(([^)]*)\))?/.exec(body);
    if (sec) {
      const header = {
        kind: 'section' as const,
        raw,
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
        name: sec[1]!.trim(),
        options: (sec[2] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
      const section: AstSection = { header, lines: [] };
      file.sections.push(section);
      current = section.lines;
      continue;
    }
    const kv = /^([^=]+?)\s*(=>|=)\s*(.*)$/.exec(body);
    if (kv)
      current.push({
        kind: 'setting',
        raw,
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
        key: kv[1]!.trim(),
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
        value: kv[3]!.trim(),
        op: kv[2] as '=' | '=>',
      });
    else current.push({ kind: 'text', raw });
  }
  return file;
}

export function printAsterisk(file: AstFile): string {
  let out = file.preamble.map((l) => l.raw).join('');
  for (const s of file.sections) out += s.header.raw + s.lines.map((l) => l.raw).join('');
  return out;
}

export const isTemplate = (s: AstSection) => s.header.options.includes('!');
/** Templates a section inherits from, in order ("!" and "+" are flags, not names). */
export const parents = (s: AstSection) => s.header.options.filter((o) => o !== '!' && o !== '+');

export function settingValue(lines: AstLine[], key: string): string | undefined {
  let v: string | undefined;
  for (const l of lines) if (l.kind === 'setting' && l.key.toLowerCase() === key.toLowerCase()) v = l.value;
  return v;
}

/**
 * A setting's value as the section sees it: its own lines and those of `[name](+)` sections appending to it
 * (the last one wins, as Asterisk applies them in order), else inherited from its templates (last wins).
 */
export function effectiveValue(
  file: AstFile,
  s: AstSection,
  key: string,
  seen = new Set<string>(),
): string | undefined {
  const appended = file.sections.filter(
    (x) => x !== s && x.header.name === s.header.name && x.header.options.includes('+'),
  );
  let own: string | undefined;
  for (const x of [s, ...appended]) own = settingValue(x.lines, key) ?? own;
  if (own !== undefined) return own;
  let v: string | undefined;
  for (const p of parents(s)) {
    if (seen.has(p)) continue;
    seen.add(p);
    const t = file.sections.find((x) => x.header.name === p);
    if (t) v = effectiveValue(file, t, key, seen) ?? v;
  }
  return v;
}

/**
 * Sets key=value in a section in place: the last existing occurrence gets the new value (keeping its
 * trailing comment and spacing style); otherwise a line is added after the last setting.
 */
export function setValue(s: AstSection, key: string, value: string): void {
  const idx = s.lines
    .map((l, i) => (l.kind === 'setting' && l.key.toLowerCase() === key.toLowerCase() ? i : -1))
    .filter((i) => i >= 0);
  if (idx.length) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- idx is non-empty (checked just above)
    const i = idx[idx.length - 1]!;
    const l = s.lines[i] as Extract<AstLine, { kind: 'setting' }>;
    if (l.value === value) return;
    const eolMatch = /\r?\n$/.exec(l.raw);
    const eol = eolMatch ? eolMatch[0] : '';
    const body = l.raw.slice(0, l.raw.length - eol.length);
    const m = /^(\s*[^=;]+?\s*=>?\s*)([^;]*?)(\s*(?:;.*)?)$/.exec(body);
    const raw = m ? `${m[1]}${value}${m[3] && m[3].trim() ? m[3] : ''}${eol}` : `${key}=${value}${eol}`;
    s.lines[i] = { ...l, value, raw };
    return;
  }
  let last = -1;
  s.lines.forEach((l, i) => {
    if (l.kind === 'setting' || l.kind === 'include') last = i;
  });
  const eol = s.header.raw.endsWith('\r\n') ? '\r\n' : '\n';
  const line: AstLine = { kind: 'setting', raw: `${key}=${value}${eol}`, key, value, op: '=' };
  s.lines.splice(last + 1, 0, line);
}
