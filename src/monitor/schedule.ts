/**
 * The nightly check and the twice-daily renew: systemd service + timer units (RandomizedDelaySec,
 * Persistent=true), or /etc/cron.d/certkit where there is no systemd. Pure: returns the files to write.
 */
import { join } from 'node:path';

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
}

export function scheduleFiles(o: ScheduleOptions): ScheduleFile[] {
  const globals = [
    o.configFile ? `--config ${o.configFile}` : '',
    o.storeRoot ? `--store ${o.storeRoot}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const checkWhat = o.configHasCheckTargets ? '' : ' store'; // a bare `check` is exit 3 "nothing to check"
  const check = `${o.command}${globals ? ` ${globals}` : ''} --quiet check${checkWhat}`;
  const renew = `${o.command}${globals ? ` ${globals}` : ''} --quiet renew --no-jitter`;
  if (o.kind === 'cron') {
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
  ];
}
