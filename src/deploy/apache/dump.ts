/* eslint-disable @typescript-eslint/no-non-null-assertion -- capture groups of successful matches of apache2ctl -S lines, and indexes checked just before */
/**
 * What Apache itself says about a tree: the output of `httpd -S` (= `-t -D DUMP_VHOSTS`), parsed into one entry
 * per virtual host (file:line as Apache reports it, its name, aliases and addresses). The truth that certkit's
 * own evaluation is checked against.
 */
export interface DumpedVhost {
  /** the file as Apache included it (a sites-enabled symlink stays a symlink path) */
  file: string;
  line: number;
  /** mod_macro: the file and line of the `Use` that made this vhost */
  macro?: { name: string; file: string; line: number };
  /** ServerName (or the name Apache gave a vhost without one) */
  name: string;
  aliases: string[];
  /** -S prints aliases only for name-based addresses: false when every address of this vhost had one vhost */
  aliasesKnown: boolean;
  /** "*:80", "10.2.3.4:80", "[::1]:443" */
  addresses: string[];
}

const LOCATION =
  /\((?:macro '([^']+)' \(defined on line \d+ of "[^"]+"\) used on line (\d+) of "([^"]+)"|(.+)):(\d+)\)\s*$/;

function location(text: string) {
  const m = LOCATION.exec(text);
  if (!m) return null;
  if (m[1])
    return { file: m[3]!, line: Number(m[5]), macro: { name: m[1], file: m[3]!, line: Number(m[2]) } };
  return { file: m[4]!, line: Number(m[5]) };
}

export function parseDumpVhosts(output: string): DumpedVhost[] {
  const byKey = new Map<string, DumpedVhost>();
  let address = '';
  let current: DumpedVhost | null = null;
  const add = (addr: string, name: string, loc: NonNullable<ReturnType<typeof location>>) => {
    const key = `${loc.macro ? `${loc.macro.file}:${loc.macro.line}` : loc.file}:${loc.line}`;
    let v = byKey.get(key);
    if (!v) {
      v = {
        file: loc.file,
        line: loc.line,
        name,
        aliases: [],
        aliasesKnown: false,
        addresses: [],
        ...(loc.macro ? { macro: loc.macro } : {}),
      };
      byKey.set(key, v);
    }
    if (!v.addresses.includes(addr)) v.addresses.push(addr);
    return v;
  };
  for (const line of output.split('\n')) {
    if (/^\S+\s+is a NameVirtualHost\s*$/.test(line)) {
      address = line.split(/\s+/)[0]!;
      current = null;
      continue;
    }
    const single = /^(\S+:\S+)\s+(\S+)\s+(\(.*\))\s*$/.exec(line);
    if (single && !line.startsWith(' ')) {
      const loc = location(single[3]!);
      current = loc ? add(single[1]!, single[2]!, loc) : null;
      address = '';
      continue;
    }
    const named = /^\s+port \S+ namevhost (\S+) (\(.*\))\s*$/.exec(line);
    if (named && address) {
      const loc = location(named[2]!);
      current = loc ? add(address, named[1]!, loc) : null;
      if (current) current.aliasesKnown = true;
      continue;
    }
    const alias = /^\s+(?:wild )?alias (\S+)\s*$/.exec(line);
    if (alias && current) {
      if (!current.aliases.includes(alias[1]!)) current.aliases.push(alias[1]!);
      continue;
    }
    if (/^\s+default server /.test(line)) continue;
    if (!line.startsWith(' ')) current = null;
  }
  return [...byKey.values()];
}

/** The first `AHnnnnn: ...` line of Apache's output with its file and line, or its last line. */
export function apacheCause(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const i = lines.findIndex((l) => /^AH00526:|Syntax error on line \d+ of /.test(l));
  if (i >= 0) {
    const next = lines[i + 1] && !/^AH\d+/.test(lines[i + 1]!) ? ` ${lines[i + 1]}` : '';
    return `${lines[i]!.replace(/:$/, '')}:${next}`.replace(/::/, ':');
  }
  const ah = lines.find(
    (l) => /\bAH\d{5}:/.test(l) && !/AH00558|AH01574|AH00112|AH00111|AH00548|AH02800/.test(l),
  );
  return ah ?? lines[lines.length - 1] ?? '(no output)';
}
