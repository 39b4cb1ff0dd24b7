/**
 * The nightly check and the twice-daily renew: systemd service + timer units (RandomizedDelaySec,
 * Persistent=true), or /etc/cron.d/certkit where there is no systemd. Pure: returns the files to write.
 */
import { isAbsolute, join } from 'node:path';
import { CertkitError } from '../errors.js';

/**
 * Characters that mean the same thing to cron's /bin/sh and to systemd's ExecStart= (no quoting, no
 * expansion: no space, $, %, `, quotes, ;, &, |, backslash...). Anything else is refused, not quoted.
 */
const SAFE_WORD = /^[A-Za-z0-9_@+=:,./-]+$/;

function safePath(value: string, what: string): string {
  if (!isAbsolute(value))
    throw new CertkitError('usage', `${what} ${value}: the schedule needs an absolute path`);
  if (!SAFE_WORD.test(value))
    throw new CertkitError(
      'usage',
      `${what} ${JSON.stringify(value)}: a cron line or systemd unit cannot carry this path safely`,
      'use a path of letters, digits and . _ - / only',
    );
  return value;
}

export interface ScheduleFile {
  path: string;
  content: string;
}

export interface ScheduleOptions {
  root: string;
  kind: 'systemd' | 'cron';
  /** the command that runs certkit, absolute (node + bin) */
  command: string;
  configFile?: string;
  storeRoot?: string;
  /** the config file lists check.targets; without them the nightly check checks the store */
  configHasCheckTargets?: boolean;
  /** also a long-running certkit-exporter.service listening here (systemd only) */
  exporterListen?: string;
}

/** host:port, IPv4, a name, or [IPv6]:port, as `certkit exporter --listen` takes it. */
const LISTEN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

function safeListen(value: string): string {
  if (!LISTEN.test(value) || Number(value.slice(value.lastIndexOf(':') + 1)) > 65535)
    throw new CertkitError(
      'usage',
      `--exporter ${JSON.stringify(value)} is not an address:port`,
      'e.g. --exporter 127.0.0.1:9793 or --exporter [::1]:9793',
    );
  return value;
}

export function scheduleFiles(o: ScheduleOptions): ScheduleFile[] {
  const command = o.command
    .split(' ')
    .map((w) => (w ? safePath(w, 'the certkit program') : w))
    .join(' ');
  const globals = [
    o.configFile ? `--config ${safePath(o.configFile, '--config')}` : '',
    o.storeRoot ? `--store ${safePath(o.storeRoot, '--store')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const checkWhat = o.configHasCheckTargets ? '' : ' store'; // a bare `check` is exit 3 "nothing to check"
  const check = `${command}${globals ? ` ${globals}` : ''} --quiet check${checkWhat}`;
  const renew = `${command}${globals ? ` ${globals}` : ''} --quiet renew --no-jitter`;
  if (o.kind === 'cron') {
    if (o.exporterListen !== undefined)
      throw new CertkitError(
        'usage',
        'the exporter is a long-running service and cron cannot keep it running',
        'use --systemd, or run `certkit exporter` under your own supervisor',
      );
    return [
      {
        path: join(o.root, 'etc/cron.d/certkit'),
        content: [
          '# Managed by certkit (certkit schedule install). Nightly check, renewal twice a day.',
          'SHELL=/bin/sh',
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          `17 3 * * * root ${check}`,
          // cron has no randomized delay: renew sleeps a random time itself when not on a TTY
          `43 */12 * * * root ${renew.replace(' --no-jitter', '')}`,
          '',
        ].join('\n'),
      },
    ];
  }
  const dir = join(o.root, 'etc/systemd/system');
  const service = (what: string, exec: string) =>
    [
      '[Unit]',
      `Description=certkit ${what}`,
      'Wants=network-online.target',
      'After=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${exec}`,
      // a hung run must not hold the lineage lock for ever (each network call has its own deadline too)
      'TimeoutStartSec=30min',
      'PrivateTmp=true',
      'NoNewPrivileges=true',
      '',
    ].join('\n');
  const timer = (what: string, calendar: string, delay: string) =>
    [
      '[Unit]',
      `Description=certkit ${what} timer`,
      '',
      '[Timer]',
      `OnCalendar=${calendar}`,
      `RandomizedDelaySec=${delay}`,
      'Persistent=true',
      '',
      '[Install]',
      'WantedBy=timers.target',
      '',
    ].join('\n');
  return [
    {
      path: join(dir, 'certkit-check.service'),
      content: service('certificate check (expiry, chain, trust; report and alert)', check),
    },
    { path: join(dir, 'certkit-check.timer'), content: timer('nightly check', '*-*-* 03:00:00', '45min') },
    { path: join(dir, 'certkit-renew.service'), content: service('renewal of due ACME certificates', renew) },
    { path: join(dir, 'certkit-renew.timer'), content: timer('renewal', '*-*-* 00,12:00:00', '1h') },
    ...(o.exporterListen === undefined
      ? []
      : [
          {
            path: join(dir, 'certkit-exporter.service'),
            content: exporterService(
              `${command}${globals ? ` ${globals}` : ''} --quiet exporter${checkWhat} --listen ${safeListen(o.exporterListen)}`,
            ),
          },
        ]),
  ];
}

/** The exporter runs for good: restarted when it ends, read-only to the system, no new privileges. */
function exporterService(exec: string): string {
  return [
    '[Unit]',
    'Description=certkit Prometheus exporter (certificate checks on /metrics)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=10s',
    'PrivateTmp=true',
    'NoNewPrivileges=true',
    'ProtectSystem=full',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
