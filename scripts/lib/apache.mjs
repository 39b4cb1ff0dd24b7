// A second, private Apache instance (Debian's apache2 binary) on loopback high ports, in a sandbox directory:
// the Debian layout run through apache2ctl with APACHE_CONFDIR, or a RHEL-style conf/ + conf.d tree run by the
// same binary through a small ctl script. Never touches /etc/apache2 or the system instance.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HTTPD = '/usr/sbin/apache2';
const MODDIR = '/usr/lib/apache2/modules';

function siteBlock(s, httpPort, addr = '127.0.0.1') {
  return [
    `<VirtualHost ${addr}:${httpPort}>`,
    `    ServerName ${s.name}`,
    ...(s.aliases?.length ? [`    ServerAlias ${s.aliases.join(' ')}`] : []),
    `    DocumentRoot ${s.docroot}`,
    `    ErrorLog ${s.logdir}/${s.name}-error.log`,
    `    CustomLog ${s.logdir}/${s.name}-access.log combined`,
    `    <Directory ${s.docroot}>`,
    '        Require all granted',
    '    </Directory>',
    '</VirtualHost>',
    '',
  ].join('\n');
}

/**
 * @param {{dir: string, layout?: 'debian'|'rhel', httpPort: number, tlsPort?: number, sites?: {name: string, aliases?: string[]}[]}} o
 * tlsPort: like Debian's stock ports.conf, a Listen for TLS waiting inside <IfModule ssl_module> (debian layout)
 */
export function createApache(o) {
  const layout = o.layout ?? 'debian';
  const dir = o.dir;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const run = join(dir, 'run');
  const logs = join(dir, 'logs');
  const www = join(dir, 'www');
  for (const d of [run, logs, www]) mkdirSync(d, { recursive: true });
  chmodSync(www, 0o755);
  const sites = (o.sites ?? []).map((s) => {
    const docroot = join(www, s.name);
    mkdirSync(docroot, { recursive: true });
    chmodSync(docroot, 0o755);
    writeFileSync(join(docroot, 'index.html'), `<h1>${s.name}</h1>\n`);
    return { ...s, docroot, logdir: logs };
  });
  let serverRoot;
  let ctl;
  if (layout === 'debian') {
    serverRoot = join(dir, 'apache2');
    mkdirSync(serverRoot, { recursive: true });
    for (const d of ['mods-available', 'mods-enabled', 'conf-available', 'conf-enabled']) {
      cpSync(join('/etc/apache2', d), join(serverRoot, d), { recursive: true, verbatimSymlinks: true });
    }
    cpSync('/etc/apache2/apache2.conf', join(serverRoot, 'apache2.conf'));
    if (existsSync('/etc/apache2/magic')) cpSync('/etc/apache2/magic', join(serverRoot, 'magic'));
    mkdirSync(join(serverRoot, 'sites-available'), { recursive: true });
    mkdirSync(join(serverRoot, 'sites-enabled'), { recursive: true });
    writeFileSync(
      join(serverRoot, 'envvars'),
      [
        'unset HOME',
        'export APACHE_RUN_USER=www-data',
        'export APACHE_RUN_GROUP=www-data',
        `export APACHE_PID_FILE=${run}/apache2.pid`,
        `export APACHE_RUN_DIR=${run}`,
        `export APACHE_LOCK_DIR=${run}`,
        `export APACHE_LOG_DIR=${logs}`,
        'export LANG=C',
        '',
      ].join('\n'),
    );
    const tlsListen = o.tlsPort ? `\n<IfModule ssl_module>\n\tListen 127.0.0.1:${o.tlsPort}\n</IfModule>\n` : '';
    writeFileSync(join(serverRoot, 'ports.conf'), `# loopback test instance\nListen 127.0.0.1:${o.httpPort}\n${tlsListen}`);
    for (const s of sites) {
      writeFileSync(join(serverRoot, 'sites-available', `${s.name}.conf`), siteBlock(s, o.httpPort));
      execFileSync('ln', ['-sf', `../sites-available/${s.name}.conf`, join(serverRoot, 'sites-enabled', `${s.name}.conf`)]);
    }
    ctl = 'apache2ctl';
  } else {
    serverRoot = join(dir, 'httpd');
    for (const d of ['conf', 'conf.d', 'conf.modules.d']) mkdirSync(join(serverRoot, d), { recursive: true });
    const mods = ['mpm_event', 'authz_core', 'authz_host', 'dir', 'mime', 'alias', 'log_config', 'unixd'].filter((m) => existsSync(join(MODDIR, `mod_${m}.so`)));
    writeFileSync(join(serverRoot, 'conf.modules.d', '00-base.conf'), mods.map((m) => `LoadModule ${m}_module ${MODDIR}/mod_${m}.so`).join('\n') + '\n');
    writeFileSync(
      join(serverRoot, 'conf', 'httpd.conf'),
      [
        `ServerRoot "${serverRoot}"`,
        `Listen 127.0.0.1:${o.httpPort}`,
        'Include conf.modules.d/*.conf',
        'User www-data',
        'Group www-data',
        'ServerName localhost',
        `PidFile ${run}/httpd.pid`,
        `DefaultRuntimeDir ${run}`,
        `ErrorLog ${logs}/error_log`,
        'LogFormat "%h %l %u %t \\"%r\\" %>s %b" combined',
        '<Directory />',
        '    AllowOverride none',
        '    Require all denied',
        '</Directory>',
        'TypesConfig /etc/mime.types',
        'IncludeOptional conf.d/*.conf',
        '',
      ].join('\n'),
    );
    for (const s of sites) writeFileSync(join(serverRoot, 'conf.d', `${s.name}.conf`), siteBlock(s, o.httpPort));
    const script = join(dir, 'httpd-ctl.sh');
    writeFileSync(
      script,
      `#!/bin/sh\n# apachectl stand-in for the RHEL-layout test instance\ncase "$1" in\n  configtest) exec ${HTTPD} -d ${serverRoot} -f conf/httpd.conf -t ;;\n  -v) exec ${HTTPD} -v ;;\n  *) exec ${HTTPD} -d ${serverRoot} -f conf/httpd.conf -k "$1" ;;\nesac\n`,
    );
    chmodSync(script, 0o755);
    ctl = script;
  }
  const env = layout === 'debian' ? { ...process.env, APACHE_CONFDIR: serverRoot } : process.env;
  const control = (action) => {
    const cmd = layout === 'debian' ? ['apache2ctl', action] : [ctl, action];
    return execFileSync(cmd[0], cmd.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  };
  const pidFile = join(run, layout === 'debian' ? 'apache2.pid' : 'httpd.pid');
  return {
    serverRoot,
    layout,
    ctl,
    httpPort: o.httpPort,
    sites,
    logs,
    control,
    start() {
      control('start');
    },
    stop() {
      try {
        control('stop');
      } catch {
        /* not running */
      }
      for (let i = 0; i < 50 && existsSync(pidFile); i++) execFileSync('sleep', ['0.1']);
    },
    pid() {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim());
      } catch {
        return null;
      }
    },
  };
}
