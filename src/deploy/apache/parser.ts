/**
 * A lossless Apache httpd configuration parser: every byte of the input is kept in some node's raw text, so
 * print(parse(text)) === text. Directive names compare case-insensitively; arguments are unquoted; line
 * continuations (backslash-newline) stay inside one directive's raw text.
 */
export interface TextNode {
  kind: 'text'; // blank lines and comments
  raw: string;
}
export interface DirectiveNode {
  kind: 'directive';
  name: string;
  args: string[];
  raw: string;
}
export interface BlockNode {
  kind: 'block';
  name: string;
  args: string[];
  openRaw: string;
  children: ConfNode[];
  closeRaw: string;
}
export type ConfNode = TextNode | DirectiveNode | BlockNode;

export class ApacheSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Splits directive arguments the way httpd does: whitespace, "double" or 'single' quotes, \" escapes. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < text.length (checked in the same condition)
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const q = text[i];
    if (q === '"' || q === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== q) {
        if (text[i] === '\\' && i + 1 < text.length && (text[i + 1] === q || text[i + 1] === '\\')) i++;
        value += text.charAt(i++);
      }
      i++;
      args.push(value);
    } else {
      let value = '';
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < text.length (checked in the same condition)
      while (i < text.length && !/\s/.test(text[i]!)) value += text.charAt(i++);
      args.push(value);
    }
  }
  return args;
}

function logicalLines(text: string): { raw: string; body: string; line: number }[] {
  const out: { raw: string; body: string; line: number }[] = [];
  const physical = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  let raw = '';
  let body = '';
  let start = 1;
  let lineNo = 1;
  for (const p of physical) {
    const content = p.replace(/\r?\n$/, '');
    if (raw === '') start = lineNo;
    raw += p;
    lineNo++;
    if (content.endsWith('\\') && !content.trimStart().startsWith('#')) {
      body += content.slice(0, -1) + ' ';
      continue;
    }
    body += content;
    out.push({ raw, body, line: start });
    raw = '';
    body = '';
  }
  if (raw) out.push({ raw, body, line: start });
  return out;
}

export function parseApache(text: string): ConfNode[] {
  const root: ConfNode[] = [];
  const stack: { node: BlockNode | null; children: ConfNode[]; line: number }[] = [
    { node: null, children: root, line: 0 },
  ];
  for (const { raw, body, line } of logicalLines(text)) {
    const trimmed = body.trim();
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the stack always holds the root frame (and more when checked above)
    const top = stack[stack.length - 1]!;
    if (trimmed === '' || trimmed.startsWith('#')) {
      top.children.push({ kind: 'text', raw });
      continue;
    }
    const close = /^<\/([^>\s]+)\s*>/.exec(trimmed);
    if (close) {
      // `</VirtualHost> </IfModule>` on one line closes both (seen in real configs): the first closed block
      // keeps the whole line as its closing text, the others close with nothing, so printing stays exact
      let rest = trimmed;
      let first = true;
      for (let m: RegExpExecArray | null = close; m; m = /^<\/([^>\s]+)\s*>/.exec(rest)) {
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the stack always holds the root frame (and more when checked above)
        const open = stack[stack.length - 1]!;
        if (!open.node) throw new ApacheSyntaxError(`</${m[1]}> without a matching <${m[1]}>`, line);
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
        if (open.node.name.toLowerCase() !== m[1]!.toLowerCase()) {
          throw new ApacheSyntaxError(
            `</${m[1]}> closes <${open.node.name}> opened on line ${open.line}`,
            line,
          );
        }
        open.node.closeRaw = first ? raw : '';
        first = false;
        stack.pop();
        rest = rest.slice(m[0].length).trim();
      }
      continue; // httpd ignores other text after a closing tag
    }
    const open = /^<([^/>\s][^>\s]*)(.*)>\s*$/.exec(trimmed);
    if (open) {
      const block: BlockNode = {
        kind: 'block',
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
        name: open[1]!,
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
        args: splitArgs(open[2]!.trim()),
        openRaw: raw,
        children: [],
        closeRaw: '',
      };
      top.children.push(block);
      stack.push({ node: block, children: block.children, line });
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- matches any non-blank line, and blank lines were handled above
    const m = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    top.children.push({ kind: 'directive', name: m[1]!, args: splitArgs(m[2]!), raw });
  }
  if (stack.length > 1) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the stack always holds the root frame (and more when checked above)
    const open = stack[stack.length - 1]!;
    throw new ApacheSyntaxError(
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every frame above the root has a node
      `<${open.node!.name}> opened on line ${open.line} is never closed`,
      open.line,
    );
  }
  return root;
}

export function printApache(nodes: ConfNode[]): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'block') out += n.openRaw + printApache(n.children) + n.closeRaw;
    else out += n.raw;
  }
  return out;
}

export function quoteArg(a: string): string {
  return a === '' || /[\s"'#]/.test(a) ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a;
}

export function makeDirective(name: string, args: string[], indent: string): DirectiveNode {
  return {
    kind: 'directive',
    name,
    args,
    raw: `${indent}${name}${args.length ? ' ' + args.map(quoteArg).join(' ') : ''}\n`,
  };
}

export function makeText(lines: string[], indent: string): TextNode {
  return { kind: 'text', raw: lines.map((l) => `${indent}${l}\n`).join('') };
}

export const is = (n: ConfNode, name: string): boolean =>
  n.kind !== 'text' && n.name.toLowerCase() === name.toLowerCase();

/** The indentation used inside a block (from its first non-blank child), or a default. */
export function childIndent(block: BlockNode, fallback = '    '): string {
  for (const c of block.children) {
    const raw = c.kind === 'block' ? c.openRaw : c.raw;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- /^[ \t]*/ matches every string
    if (raw.trim()) return /^[ \t]*/.exec(raw)![0];
  }
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- /^[ \t]*/ matches every string
  return /^[ \t]*/.exec(block.openRaw)![0] + fallback;
}
