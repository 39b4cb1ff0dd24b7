/**
 * Every file certkit reads back as data, in one place: a lineage's settings.json, the config file and the
 * installer spec (the options `--install`/`certkit install` take, record in settings.json and replay on renew).
 *
 * Validation with valibot (small, ESM, tree-shaken; importing it costs ~0 ms over a bare node start here, zod 4
 * cost ~40 ms). parse() turns the first problem into one `bad input` line (exit 2) naming the file and the
 * field, e.g. `settings.json: "acme.challenge.port" must be a number, not "eighty"` (the wording the check
 * config validator in src/monitor/config.ts uses too).
 */
import * as v from 'valibot';
import { CertkitError } from '../errors.js';

const str = v.string();
const names = v.array(v.string());
const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const seconds = v.pipe(v.number(), v.minValue(0), v.maxValue(3600));

// ---- installer spec: flags -> record -> replay ----

export const InstallerSpecSchema = v.strictObject({
  // apache
  serverRoot: v.optional(str),
  ctl: v.optional(str),
  vhost: v.optional(str),
  redirect: v.optional(v.boolean()),
  hsts: v.optional(v.boolean()),
  tls: v.optional(v.picklist(['intermediate', 'modern'])),
  basicAuth: v.optional(str),
  authPath: v.optional(str),
  tlsPort: v.optional(port),
  // asterisk
  configDir: v.optional(str),
  keysDir: v.optional(str),
  parts: v.optional(v.array(v.picklist(['pjsip', 'http', 'manager', 'sip']))),
  /** each Asterisk part listens on its own address */
  pjsipBind: v.optional(str),
  httpBind: v.optional(str),
  managerBind: v.optional(str),
  sipBind: v.optional(str),
  /** recorded by older versions (PJSIP's bind) */
  bind: v.optional(str),
  method: v.optional(str),
  asterisk: v.optional(str),
});
export type InstallerSpec = v.InferOutput<typeof InstallerSpecSchema>;

export const InstallerKindSchema = v.picklist(['apache', 'asterisk']);
export const InstallerRecordSchema = v.object({ kind: InstallerKindSchema, options: InstallerSpecSchema });
export type InstallerRecord = v.InferOutput<typeof InstallerRecordSchema>;

// ---- settings.json of a lineage ----

export const ChallengeSettingsSchema = v.variant('type', [
  v.object({ type: v.literal('webroot'), webroot: str }),
  v.object({ type: v.literal('standalone'), port, address: str }),
  v.object({
    type: v.literal('dns-hook'),
    hook: str,
    resolver: v.optional(str),
    waitSeconds: v.optional(seconds),
  }),
  v.object({ type: v.literal('manual') }),
  /** http-01 through a running Apache (chosen automatically by `request`; see src/acme/auto) */
  v.object({ type: v.literal('apache'), serverRoot: str, ctl: v.optional(str), port }),
]);
export type ChallengeSettings = v.InferOutput<typeof ChallengeSettingsSchema>;

export const AcmeLineageSettingsSchema = v.looseObject({
  directoryUrl: v.pipe(str, v.url()),
  email: v.optional(str),
  challenge: ChallengeSettingsSchema,
  keyType: str,
  reuseKey: v.boolean(),
  profile: v.optional(str),
  preferredChain: v.optional(str),
  names: v.pipe(names, v.minLength(1)),
});
export type AcmeLineageSettings = v.InferOutput<typeof AcmeLineageSettingsSchema>;

export const LineageSourceSchema = v.picklist(['acme', 'imported', 'self-signed', 'pending-csr']);
export type LineageSource = v.InferOutput<typeof LineageSourceSchema>;

/** What a failed deploy left to do: retried by the next `renew` until it succeeds. */
export const DeployDebtSchema = v.object({
  version: v.number(),
  since: str,
  error: str,
});
export type DeployDebt = v.InferOutput<typeof DeployDebtSchema>;

/** One CSR waiting for its certificate: when it was made, what it asked for, where its key is. */
export const PendingOrderSchema = v.object({
  id: str,
  createdAt: str,
  names,
  csrFile: str,
  keyFile: str,
  publicKeyId: str,
  product: v.optional(str),
});
export type PendingOrder = v.InferOutput<typeof PendingOrderSchema>;

/** Loose: keys this version does not know (written by a newer certkit) are kept, not dropped on rewrite. */
export const LineageSettingsSchema = v.looseObject({
  schemaVersion: v.literal(1),
  name: str,
  source: LineageSourceSchema,
  domains: names,
  createdAt: str,
  updatedAt: str,
  keyType: v.optional(str),
  acme: v.optional(AcmeLineageSettingsSchema),
  deployHook: v.optional(str),
  installers: v.optional(v.array(InstallerRecordSchema)),
  /** stores before pendingOrders: the one pending CSR (read as order "1", see store/pending.ts) */
  pending: v.optional(
    v.object({
      createdAt: str,
      csrFile: str,
      keyFile: str,
      publicKeyId: str,
      product: v.optional(str),
    }),
  ),
  /** CSRs sent to a CA whose certificates have not arrived yet, oldest first */
  pendingOrders: v.optional(v.array(PendingOrderSchema)),
  keepVersions: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  deployPending: v.optional(DeployDebtSchema),
  /** `certkit revoke` done for this serial (the live certificate while it is the same one) */
  revoked: v.optional(v.object({ serial: str, reason: str, at: str })),
});
export type LineageSettings = v.InferOutput<typeof LineageSettingsSchema>;

// ---- accounts/<server>/account.json ----

export const AccountRecordSchema = v.looseObject({
  directoryUrl: v.pipe(str, v.url()),
  url: v.pipe(str, v.url()),
  contact: names,
  createdAt: str,
  deactivatedAt: v.optional(str),
});
export type AccountRecord = v.InferOutput<typeof AccountRecordSchema>;

// ---- the config file ----

export const CheckConfigSchema = v.strictObject({
  targets: v.optional(names),
  warnDays: v.optional(v.pipe(v.number(), v.minValue(0))),
  critDays: v.optional(v.pipe(v.number(), v.minValue(0))),
  strict: v.optional(v.boolean()),
  allowSelfSigned: v.optional(names),
  caFiles: v.optional(names),
  timeout: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(3600))),
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  prometheus: v.optional(str),
  html: v.optional(str),
  email: v.optional(v.boolean()),
});

export const EmailConfigSchema = v.strictObject({
  host: v.optional(str),
  port: v.optional(port),
  security: v.optional(v.picklist(['starttls', 'tls', 'none'])),
  user: v.optional(str),
  passwordFile: v.optional(str),
  passwordEnv: v.optional(str),
  from: v.optional(str),
  to: v.optional(v.union([str, names])),
  caFile: v.optional(str),
  subjectPrefix: v.optional(str),
  /** SMTP deadline in seconds */
  timeout: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(600))),
});

export const ConfigSchema = v.strictObject({
  $schema: v.optional(str),
  store: v.optional(str),
  check: v.optional(CheckConfigSchema),
  email: v.optional(EmailConfigSchema),
});
export type CertkitConfig = v.InferOutput<typeof ConfigSchema>;

// ---- one way to report a problem ----

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are described above; what is left is a primitive
  return typeof value === 'object' ? 'an object' : String(value);
}

/** What a schema wanted, in words. */
function wanted(issue: v.BaseIssue<unknown>): string {
  const req = (issue as { requirement?: unknown }).requirement;
  switch (issue.type) {
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'loose_object':
    case 'strict_object':
      return 'an object';
    case 'integer':
      return 'a whole number';
    case 'min_value':
      return `a number ≥ ${String(req)}`;
    case 'gt_value':
      return `a number > ${String(req)}`;
    case 'max_value':
      return `at most ${String(req)}`;
    case 'min_length':
      return 'not empty';
    case 'url':
      return 'a URL';
    default:
      return `one of ${issue.expected ?? 'the documented values'}`;
  }
}

/** The closest known key to a typo (edit distance ≤ 2), for "did you mean". */
function closest(key: string, known: string[]): string | null {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- indexes stay within the (a.length+1) x (b.length+1) edit-distance table
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- indexes stay within the (a.length+1) x (b.length+1) edit-distance table
        d[i]![j] = Math.min(
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- indexes stay within the (a.length+1) x (b.length+1) edit-distance table
          d[i - 1]![j]! + 1,
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- indexes stay within the (a.length+1) x (b.length+1) edit-distance table
          d[i]![j - 1]! + 1,
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- indexes stay within the (a.length+1) x (b.length+1) edit-distance table
          d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
        );
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- indexes stay within the (a.length+1) x (b.length+1) edit-distance table
    return d[a.length]![b.length]!;
  };
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const x = dist(key, k);
    if (x < bestD) [best, bestD] = [k, x];
  }
  return best;
}

function knownKeys(schema: v.GenericSchema, path: (string | number)[]): string[] {
  let s: unknown = schema;
  for (const p of path) {
    const entries = (s as { entries?: Record<string, unknown>; wrapped?: unknown }).entries;
    const inner = (s as { wrapped?: unknown }).wrapped;
    s = entries ? entries[String(p)] : inner;
    while (s && (s as { wrapped?: unknown }).wrapped) s = (s as { wrapped: unknown }).wrapped;
  }
  return Object.keys((s as { entries?: object } | undefined)?.entries ?? {});
}

/** Validates data read from `file`; the first problem becomes one `bad input` line naming the field. */
export function parse<S extends v.GenericSchema>(
  schema: S,
  data: unknown,
  file: string,
  hint?: string,
): v.InferOutput<S> {
  const r = v.safeParse(schema, data);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = (issue.path ?? []).map((p) => p.key as string | number);
  const field = path.map(String).join('.') || '(top level)';
  if (issue.kind === 'schema' && issue.type === 'strict_object' && issue.expected === 'never') {
    const key = String(path[path.length - 1]);
    const parentPath = path.slice(0, -1);
    const guess = closest(key, knownKeys(schema, parentPath));
    throw new CertkitError(
      'input',
      `${file}: unknown field "${field}"${guess ? ` (did you mean "${[...parentPath, guess].join('.')}"?)` : ''}`,
      hint ?? 'remove or correct it',
    );
  }
  throw new CertkitError(
    'input',
    `${file}: "${field}" must be ${wanted(issue)}, not ${describe(issue.input)}`,
    hint,
  );
}

/** JSON text -> validated data; a syntax error names the file and line. */
export function parseJsonFile<S extends v.GenericSchema>(
  schema: S,
  text: string,
  file: string,
  hint?: string,
): v.InferOutput<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `:${text.slice(0, Number(pos[1])).split('\n').length}` : '';
    throw new CertkitError(
      'input',
      `${file}${where}: not valid JSON (${msg.replace(/ in JSON at position \d+.*/, '')})`,
      hint,
    );
  }
  return parse(schema, data, file, hint);
}
