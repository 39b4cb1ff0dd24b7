// certkit's main job end to end, on loopback, inside /var/tmp/certkit-demo (or $CERTKIT_DEMO_DIR; Apache's
// www-data children must be able to reach it, which a checkout under /root would not allow):
// a local ACME CA (Pebble + challtestsrv), a private Apache with an HTTP-only site for www.example.test,
// then the bare `certkit request www.example.test` (it finds the Apache site, answers the challenge through it,
// installs there and sets up renewal), `certkit check` of the endpoint and the store, and an HTML report.
// The system's own Apache, its schedule and everything outside the sandbox stay untouched.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPebble, claimPort, freePort } from './lib/pebble.mjs';
import { createApache } from './lib/apache.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const SANDBOX = resolve(process.env.CERTKIT_DEMO_DIR ?? '/var/tmp/certkit-demo');
const NAME = 'www.example.test';
const say = (s = '') => process.stdout.write(s + '\n');

function stopOldApache() {
  const state = join(SANDBOX, 'state.json');
  if (!existsSync(state)) return;
  const { serverRoot } = JSON.parse(readFileSync(state, 'utf8'));
  spawnSync('apache2ctl', ['stop'], { env: { ...process.env, APACHE_CONFDIR: serverRoot }, stdio: 'ignore' });
  for (let i = 0; i < 50 && existsSync(join(SANDBOX, 'apache', 'run', 'apache2.pid')); i++)
    execFileSync('sleep', ['0.1']);
}

if (process.argv.includes('--clean')) {
  stopOldApache();
  rmSync(SANDBOX, { recursive: true, force: true });
  say(`removed ${SANDBOX} (its Apache instance is stopped)`);
  process.exit(0);
}

stopOldApache();
rmSync(SANDBOX, { recursive: true, force: true });
mkdirSync(SANDBOX, { recursive: true });
const httpPort = (await claimPort(18080)) ? 18080 : await freePort();
const tlsPort = (await claimPort(18443)) ? 18443 : await freePort();

say('1. A local ACME CA (Pebble + challtestsrv) on loopback');
const pebble = await startPebble({ dir: join(SANDBOX, 'pebble'), ports: { http: httpPort } });
const caRoot = await pebble.rootFile();
say(`   directory ${pebble.directoryUrl}`);

say(`2. A private Apache on 127.0.0.1:${httpPort} with an HTTP-only site for ${NAME}`);
const apache = createApache({
  dir: join(SANDBOX, 'apache'),
  httpPort,
  tlsPort,
  sites: [{ name: NAME, aliases: ['example.test'] }],
});
apache.start();
writeFileSync(
  join(SANDBOX, 'state.json'),
  JSON.stringify({ serverRoot: apache.serverRoot, httpPort, tlsPort }),
);
const store = join(SANDBOX, 'store');
// renewal is scheduled inside the sandbox (CERTKIT_SCHEDULE_ROOT), never in this machine's /etc
const env = { ...process.env, ...pebble.env, NO_COLOR: '1', CERTKIT_SCHEDULE_ROOT: join(SANDBOX, 'root') };
const certkit = (args, opts = {}) => {
  say(`   $ certkit ${args.join(' ')}`);
  // stdout and stderr into one file, so the lines keep the order certkit wrote them in
  const log = join(SANDBOX, 'last-command.log');
  const fd = openSync(log, 'w');
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/certkit.cjs'), '--store', store, ...args], {
    env,
    stdio: ['ignore', fd, fd],
    ...opts,
  });
  closeSync(fd);
  for (const l of readFileSync(log, 'utf8').trimEnd().split('\n')) if (l) say(`     ${l}`);
  return r.status;
};

let failed = false;
try {
  say(
    `3. Request a certificate for ${NAME}: certkit finds the Apache site, proves the name through it, installs, schedules renewal`,
  );
  const req = certkit([
    'request',
    NAME,
    '--server',
    pebble.directoryUrl,
    '--server-root',
    apache.serverRoot,
    '--agree-tos',
    '--email',
    'demo@example.test',
  ]);
  if (req !== 0) throw new Error('certkit request failed');

  say('4. Check the live endpoint and the store, and write the HTML report');
  const html = join(SANDBOX, 'report.html');
  const check = certkit([
    'check',
    `${NAME}:${tlsPort}`,
    'store',
    '--ip',
    '127.0.0.1',
    '--ca-file',
    caRoot,
    '--html',
    html,
  ]);
  if (check !== 0) throw new Error(`certkit check reported problems (exit ${check})`);

  say();
  say('Done. Look for yourself:');
  say(`  curl --cacert ${caRoot} --resolve ${NAME}:${tlsPort}:127.0.0.1 https://${NAME}:${tlsPort}/`);
  say(`  curl -sI -H 'Host: ${NAME}' http://127.0.0.1:${httpPort}/some/page     # 301 to https`);
  say(`  node bin/certkit.cjs --store ${store} list`);
  say(`  report: ${html}`);
  say(`  (the sandbox Apache keeps running; npm run demo -- --clean stops it and removes ${SANDBOX})`);
} catch (err) {
  failed = true;
  say(`demo failed: ${err.message}`);
} finally {
  await pebble.stop();
}
process.exit(failed ? 1 : 0);
