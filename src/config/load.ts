/**
 * The config file (JSON). Errors name the file and line. Everything is optional; see docs/config.md.
 */
import { readFile } from 'node:fs/promises';
import { inputError } from '../errors.js';

export interface CertkitConfig {
  store?: string;
  check?: Record<string, unknown>;
  email?: Record<string, unknown>;
  renew?: Record<string, unknown>;
  [key: string]: unknown;
}

function lineOf(text: string, position: number): number {
  return text.slice(0, position).split('\n').length;
}

export function parseConfig(text: string, file: string): CertkitConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `:${lineOf(text, Number(pos[1]))}` : '';
    throw inputError(
      `${file}${where}: not valid JSON (${msg.replace(/ in JSON at position \d+.*/, '')})`,
      'fix the config file',
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw inputError(`${file}: the config must be a JSON object`);
  }
  const cfg = data as CertkitConfig;
  if (cfg.store !== undefined && typeof cfg.store !== 'string')
    throw inputError(`${file}: "store" must be a path`);
  return cfg;
}

export async function loadConfig(file: string): Promise<CertkitConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw inputError(
      `cannot read the config file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseConfig(text, file);
}
