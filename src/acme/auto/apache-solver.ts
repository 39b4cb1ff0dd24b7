/**
 * http-01 through a running Apache. For each name: through its vhost's DocumentRoot when Apache really serves
 * /.well-known/acme-challenge/ from there (a probe file is written and fetched over HTTP from that vhost);
 * else through a temporary `Alias` conf dropped into a directory the configuration includes, made live with a
 * graceful reload and removed again (another reload) when the CA is done — also on failure, SIGINT or SIGTERM.
 * Everything created is removed: the Apache tree and the DocumentRoot end exactly as they were.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { loadApacheConfig, type ApacheConfig } from '../../deploy/apache/config.js';
import { configtest, makeCtl, type Ctl } from '../../deploy/apache/ctl.js';
import { waitUntil } from '../../deploy/probe.js';
import { mkdirs, removeCreated } from '../solvers/created-dirs.js';
import type { ChallengeContext, ChallengeSolver } from '../solvers/types.js';
import { ALIAS_CONF_NAME, ALIAS_MARKER, aliasConfDir, aliasConfText } from './alias-conf.js';
import { serveNames, type ServedName } from './apache-site.js';

const PREFIX = '/.well-known/acme-challenge/';

export interface ApacheRouteSettings {
  serverRoot: string;
  ctl?: string;
  port: number;
}

export interface ApacheRouteIo {
  say: (line: string) => void;
  /** where the temporary challenge directory is made (must be readable by Apache's user) */
  challengeBase?: string;
  /**
   * How the process ends once Apache's tree is restored after SIGINT/SIGTERM. The CLI exits 130/143; a library
   * caller that gives nothing gets the signal's default action (the signal is raised again).
   */
  stopAfterSignal?: (sig: NodeJS.Signals) => void;
}

/** GET over HTTP (or HTTPS without certificate checks, as a CA follows a redirect), with the Location. */
export function httpGet(
  host: string,
  port: number,
  hostHeader: string,
  path: string,
  tls = false,
  timeoutMs = 5000,
): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const options = { host, port, path, method: 'GET', headers: { host: hostHeader }, timeout: timeoutMs };
    const onResponse = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body = (body + d).slice(0, 4096)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    };
    const req = tls
      ? httpsRequest({ ...options, servername: hostHeader, rejectUnauthorized: false }, onResponse)
      : request(options, onResponse);
    req.on('timeout', () => req.destroy(new Error(`request to ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Fetch a challenge path the way a CA does: over HTTP from the vhost, following one redirect to the same path
 * over HTTPS on the same name (a site that already sends everything to https://).
 */
async function fetchLikeTheCa(site: ServedName, path: string) {
  const r = await httpGet(site.host, site.port, site.name, path);
  if (![301, 302, 303, 307, 308].includes(r.status) || !r.location) return r;
  const to = new URL(r.location, `http://${site.name}`);
  if (to.protocol !== 'https:' || to.hostname !== site.name || to.pathname !== path) return r;
  return httpGet(site.host, Number(to.port || 443), site.name, path, true);
}

/** Write a random file into dir, fetch it through the vhost, remove it: does the route work? */
async function probeRoute(dir: string, site: ServedName): Promise<{ ok: boolean; status: number }> {
  const token = `certkit-probe-${randomBytes(12).toString('hex')}`;
  const value = randomBytes(16).toString('hex');
  await writeFile(join(dir, token), value, { mode: 0o644 });
  try {
    const r = await fetchLikeTheCa(site, PREFIX + token);
    return { ok: r.status === 200 && r.body === value, status: r.status };
  } catch {
    return { ok: false, status: 0 };
  } finally {
    await rm(join(dir, token), { force: true });
  }
}

/** A file-system step on Apache's files: a refusal (not root, read-only) is one clear line, exit 8. */
async function onApacheFiles<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code || err instanceof CertkitError) throw err;
    throw new CertkitError(
      'environment',
      `cannot ${what}: ${code}`,
      "run certkit as root (Apache's files belong to it), or choose with --webroot DIR, --standalone or --dns-hook CMD",
    );
  }
}

/** One temporary Alias per Apache server, shared by every solver of this process (renewals run concurrently). */
interface AliasRoute {
  confPath: string;
  dir: string;
  created: string[];
  ctl: Ctl;
  users: number;
  /** set once the route is being removed from Apache; settles when it is gone */
  finishing?: Promise<void>;
  teardown: () => Promise<void>;
}
const aliasRoutes = new Map<string, Promise<AliasRoute>>();

async function reload(ctl: Ctl, why: string): Promise<void> {
  const r = await ctl.run('graceful');
  if (r.code !== 0)
    throw new CertkitError(
      'environment',
      `Apache's graceful reload (${why}) failed: ${r.output.split('\n').pop()}`,
    );
}

async function openAliasRoute(
  cfg: ApacheConfig,
  s: ApacheRouteSettings,
  io: ApacheRouteIo,
): Promise<AliasRoute> {
  if (!cfg.modules.has('alias_module'))
    throw new CertkitError(
      'environment',
      'Apache has no mod_alias loaded, so certkit cannot add a temporary route for the challenge',
      'enable it (a2enmod alias), or use --webroot DIR, --dns-hook CMD or --standalone',
    );
  const confDir = aliasConfDir(cfg);
  if (!confDir)
    throw new CertkitError(
      'environment',
      `${cfg.mainFile} includes no directory of *.conf files where certkit could put a temporary route`,
      'use --webroot DIR (a directory Apache serves /.well-known/acme-challenge/ from), --dns-hook CMD or --standalone',
    );
  const ctl = makeCtl(cfg, s.ctl);
  const confPath = join(confDir, ALIAS_CONF_NAME);
  if (existsSync(confPath)) {
    const text = await readFile(confPath, 'utf8');
    if (!text.startsWith(ALIAS_MARKER))
      throw new CertkitError('environment', `${confPath} exists and is not certkit's`, 'move it away first');
    io.say(`removing ${confPath} left behind by an interrupted run`);
    await onApacheFiles(`remove ${confPath}`, () => rm(confPath));
  }
  await configtest(ctl, 'before');
  const created: string[] = [];
  const base = io.challengeBase ?? '/run/certkit';
  const dir = await onApacheFiles(`make a challenge directory under ${base}`, async () => {
    await mkdirs(base, created);
    const d = await mkdtemp(join(base, 'http-01-'));
    await chmod(d, 0o755);
    return d;
  });
  let setup: Promise<unknown> = Promise.resolve();
  let loaded = false; // Apache was asked to load the conf: it must be reloaded without it
  const route: AliasRoute = {
    confPath,
    dir,
    created,
    ctl,
    users: 0,
    teardown: () =>
      (route.finishing ??= (async () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await rm(confPath, { force: true });
        await rm(dir, { recursive: true, force: true });
        await removeCreated(created);
        if (loaded) await reload(ctl, 'removing the temporary challenge route');
      })()),
  };
  let signalled = false;
  function onSignal(sig: NodeJS.Signals) {
    if (signalled) return;
    signalled = true;
    io.say(`certkit: ${sig}: removing the temporary challenge route from Apache before stopping`);
    // let a half-done setup step finish first, so nothing is written after the removal
    void setup
      .catch(() => {})
      .then(() => route.teardown())
      .finally(() => (io.stopAfterSignal ?? ((s: NodeJS.Signals) => process.kill(process.pid, s)))(sig));
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  setup = (async () => {
    await onApacheFiles(`write ${confPath}`, async () => {
      await mkdirs(confDir, created);
      await writeFile(confPath, aliasConfText(dir), { mode: 0o644 });
    });
    await configtest(ctl, 'after');
    loaded = true;
    await reload(ctl, 'adding the temporary challenge route');
  })();
  try {
    await setup;
  } catch (err) {
    await route.teardown().catch(() => {});
    throw err;
  }
  return route;
}

export class ApacheHttpSolver implements ChallengeSolver {
  readonly type = 'http-01';
  private cfg?: ApacheConfig;
  private readonly routes = new Map<string, { kind: 'docroot' | 'alias'; dir: string }>();
  private readonly created: string[] = [];
  private alias: AliasRoute | null = null;
  private aliasEntry: Promise<AliasRoute> | null = null;

  constructor(
    private readonly s: ApacheRouteSettings,
    private readonly io: ApacheRouteIo,
  ) {}

  describe() {
    return `Apache (${this.s.serverRoot}, port ${this.s.port})`;
  }

  private site(name: string): ServedName {
    this.cfg ??= loadApacheConfig(this.s.serverRoot);
    const { served } = serveNames(this.cfg, [name], this.s.port);
    if (!served[0])
      throw new CertkitError(
        'environment',
        `no Apache site on port ${this.s.port} serves ${name} any more (${this.s.serverRoot})`,
        'add it back, or request again with another way to answer the challenge',
      );
    return served[0];
  }

  private async useAlias(site: ServedName, why: string): Promise<string> {
    while (!this.alias) {
      let p = aliasRoutes.get(this.s.serverRoot);
      if (!p) {
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- cfg is read in prepare(), which runs before any challenge is answered
        p = openAliasRoute(this.cfg!, this.s, this.io);
        aliasRoutes.set(this.s.serverRoot, p);
        const opening = p;
        p.catch(() => {
          if (aliasRoutes.get(this.s.serverRoot) === opening) aliasRoutes.delete(this.s.serverRoot);
        });
      }
      const route = await p;
      if (route.finishing) {
        // its last user is removing it: wait until it is gone, then open a fresh one (never two at once)
        await route.finishing.catch(() => {});
        if (aliasRoutes.get(this.s.serverRoot) === p) aliasRoutes.delete(this.s.serverRoot);
        continue;
      }
      route.users++;
      this.alias = route;
      this.aliasEntry = p;
      this.io.say(
        `${site.name}: ${why}: a temporary Alias (${route.confPath}) answers instead, removed afterwards`,
      );
    }
    const alias = this.alias;
    const ok = await waitUntil(async () => (await probeRoute(alias.dir, site)).ok, 20_000, 200);
    if (!ok)
      throw new CertkitError(
        'environment',
        `Apache does not serve ${PREFIX} for ${site.name} even through a temporary Alias (a RewriteRule in its vhost?); its configuration is restored`,
        'exempt the path from the rewrite, or use --webroot DIR, --dns-hook CMD, or --standalone with Apache stopped',
      );
    return alias.dir;
  }

  private async route(name: string): Promise<{ kind: 'docroot' | 'alias'; dir: string }> {
    const known = this.routes.get(name);
    if (known) return known;
    const site = this.site(name);
    let route: { kind: 'docroot' | 'alias'; dir: string } | undefined;
    let why = `its vhost (${site.vhostFile}) has no DocumentRoot`;
    if (site.docroot && !existsSync(site.docroot)) why = `its DocumentRoot ${site.docroot} does not exist`;
    else if (site.docroot && !this.alias) {
      const dir = join(site.docroot, PREFIX);
      const created: string[] = [];
      const p = await onApacheFiles(`write a probe file under ${dir}`, async () => {
        await mkdirs(dir, created);
        return probeRoute(dir, site);
      });
      if (p.ok) {
        this.created.push(...created);
        this.io.say(
          `${name}: Apache serves ${PREFIX} from its DocumentRoot ${site.docroot}: the challenge file goes there`,
        );
        route = { kind: 'docroot', dir };
      } else {
        await removeCreated(created);
        why = `Apache does not serve ${PREFIX} from its DocumentRoot ${site.docroot} (a probe file got ${p.status || 'no answer'})`;
      }
    }
    route ??= { kind: 'alias', dir: await this.useAlias(site, why) };
    this.routes.set(name, route);
    return route;
  }

  async present(ch: ChallengeContext) {
    const { dir } = await this.route(ch.identifier);
    await onApacheFiles(`write the challenge file under ${dir}`, async () => {
      await mkdirs(dir, this.created);
      await writeFile(join(dir, ch.token), ch.keyAuthorization, { mode: 0o644 });
    });
  }

  async cleanup(ch: ChallengeContext) {
    const r = this.routes.get(ch.identifier);
    if (r) await rm(join(r.dir, ch.token), { force: true });
  }

  async stop() {
    await removeCreated(this.created);
    const alias = this.alias;
    this.alias = null;
    const entry = this.aliasEntry;
    this.aliasEntry = null;
    if (alias && --alias.users === 0) {
      try {
        await alias.teardown();
      } finally {
        if (aliasRoutes.get(this.s.serverRoot) === entry) aliasRoutes.delete(this.s.serverRoot);
      }
      this.io.say(`removed the temporary challenge route from Apache (${alias.confPath}) and reloaded it`);
    }
  }
}
