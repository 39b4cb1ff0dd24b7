import type { Context } from '../context.js';

export type Runner = (fn: (ctx: Context) => Promise<number>) => Promise<void>;
export const collect = (v: string, prev: string[] = []) => [...prev, v];

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
