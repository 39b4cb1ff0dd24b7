/**
 * The config file (JSON). Validated against ConfigSchema (src/config/schemas.ts): a syntax error names the
 * file and line, a wrong type or an unknown key (a typo) the file and the field; exit 2. See docs/config.md.
 */
import { readFile } from 'node:fs/promises';
import { CertkitError } from '../errors.js';
import { ConfigSchema, parseJsonFile, type CertkitConfig } from './schemas.js';

export type { CertkitConfig } from './schemas.js';

export function parseConfig(text: string, file: string): CertkitConfig {
  return parseJsonFile(ConfigSchema, text, file, 'fix the config file (see docs/config.md)');
}

export async function loadConfig(file: string): Promise<CertkitConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new CertkitError(
      code === 'EACCES' || code === 'EPERM' ? 'environment' : 'input',
      `cannot read the config file ${file} (${code})`,
    );
  }
  return parseConfig(text, file);
}
