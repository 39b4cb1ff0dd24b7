/** ANSI styling that vanishes when colour is off (NO_COLOR, --no-color, not a TTY). */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

const wrap = (on: boolean, code: number, reset: number) => (s: string) =>
  on ? `\x1b[${code}m${s}\x1b[${reset}m` : s;

export function style(color: boolean): Style {
  return {
    bold: wrap(color, 1, 22),
    dim: wrap(color, 2, 22),
    red: wrap(color, 31, 39),
    yellow: wrap(color, 33, 39),
    green: wrap(color, 32, 39),
  };
}

export function table(rows: string[][], header: string[]): string[] {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? ''))));
  return all.map((r) =>
    r
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- widths has one entry per header column and rows have no more columns
      .map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - visible(c))))
      .join('  ')
      .trimEnd(),
  );
}
