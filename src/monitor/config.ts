/**
 * The "check" section of the config file, validated field by field: a wrong value is one line naming the file
 * and the field (CertkitError 'input'), never a TypeError deep inside the run.
 */
import { CertkitError } from '../errors.js';

export interface CheckConfig {
  targets?: string[];
  warnDays?: number;
  critDays?: number;
  strict?: boolean;
  allowSelfSigned?: string[];
  caFiles?: string[];
  timeout?: number;
  concurrency?: number;
  prometheus?: string;
  html?: string;
  /** send the digest (settings in the "email" section) */
  email?: boolean;
}

type Kind = 'number' | 'boolean' | 'string' | 'strings';
const FIELDS: Record<keyof CheckConfig, Kind> = {
  targets: 'strings',
  warnDays: 'number',
  critDays: 'number',
  strict: 'boolean',
  allowSelfSigned: 'strings',
  caFiles: 'strings',
  timeout: 'number',
  concurrency: 'number',
  prometheus: 'string',
  html: 'string',
  email: 'boolean',
};

const WANTED: Record<Kind, string> = {
  number: 'a number ≥ 0',
  boolean: 'true or false',
  string: 'a string (a path)',
  strings: 'a list of strings',
};

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= 0;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string' && v.length > 0;
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);
  }
}

export function validateCheckConfig(raw: unknown, file: string): CheckConfig {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CertkitError('input', `${file}: "check" must be an object`, 'see docs/config.md');
  for (const [key, value] of Object.entries(raw)) {
    const kind = FIELDS[key as keyof CheckConfig] as Kind | undefined;
    if (!kind)
      throw new CertkitError(
        'input',
        `${file}: unknown field "check.${key}"`,
        `known: ${Object.keys(FIELDS).join(', ')}`,
      );
    if (!fits(kind, value))
      throw new CertkitError(
        'input',
        `${file}: "check.${key}" must be ${WANTED[kind]}, not ${JSON.stringify(value)}`,
        'see docs/config.md',
      );
  }
  return raw;
}
