/**
 * Puts the schedule (schedule.ts decides its files) on the machine, takes it away, or lists it: the I/O half,
 * shared by `certkit schedule` and the bare `certkit request` (which sets renewal up when none exists).
 * systemctl reaches this module as a parameter and runs only on the real root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import { scheduleFiles, type ScheduleFile } from './schedule.js';

export type ScheduleKind = 'systemd' | 'cron';
export type Systemctl = (args: string[]) => void;

export const realSystemctl: Systemctl = (args) => {
  spawnSync('systemctl', args, { stdio: 'ignore' });
};

/** systemd where it runs (or was asked for), else cron. */
export function scheduleKind(ask: { cron?: boolean; systemd?: boolean }): ScheduleKind {
  if (ask.cron) return 'cron';
  if (ask.systemd) return 'systemd';
  return existsSync('/run/systemd/system') ? 'systemd' : 'cron';
}

/** This certkit, absolute, as the units and the cron line run it: `node /path/to/bin/certkit.cjs`. */
export function certkitCommand(): string {
  const bin = realpathSync(join(dirname(fileURLToPath(import.meta.url)), '../../bin/certkit.cjs'));
  return `${process.execPath} ${bin}`;
}

export interface PlanScheduleOptions {
  root: string;
  kind: ScheduleKind;
  configFile?: string;
  storeRoot: string;
  configHasCheckTargets: boolean;
  exporterListen?: string;
}

/** The files `install` writes (relative --config/--store made absolute: the units run from /). */
export function plannedScheduleFiles(o: PlanScheduleOptions): ScheduleFile[] {
  return scheduleFiles({
    root: o.root,
    kind: o.kind,
    command: certkitCommand(),
    configFile: o.configFile === undefined ? undefined : resolve(o.configFile),
    storeRoot: resolve(o.storeRoot),
    configHasCheckTargets: o.configHasCheckTargets,
    exporterListen: o.exporterListen,
  });
}

/** Every file any kind of certkit schedule may have under root. */
export function allScheduleFiles(root: string): string[] {
  return [
    ...scheduleFiles({ root, kind: 'systemd', command: '', exporterListen: '127.0.0.1:9793' }),
    ...scheduleFiles({ root, kind: 'cron', command: '' }),
  ].map((f) => f.path);
}

export function presentScheduleFiles(root: string): string[] {
  return allScheduleFiles(root).filter((p) => existsSync(p));
}

/** The renew timer or cron file present under root, if any. */
export function presentRenewSchedule(root: string): string | null {
  return presentScheduleFiles(root).find((p) => /certkit-renew\.timer$|cron\.d\/certkit$/.test(p)) ?? null;
}

function systemctlFor(root: string, kind: ScheduleKind, systemctl: Systemctl): Systemctl {
  return root === '/' && kind === 'systemd' ? systemctl : () => {};
}

export async function installSchedule(
  root: string,
  kind: ScheduleKind,
  files: ScheduleFile[],
  systemctl: Systemctl = realSystemctl,
): Promise<void> {
  for (const f of files) {
    await ensureDir(dirname(f.path), 0o755);
    await writeFileAtomic(f.path, f.content, 0o644);
  }
  const ctl = systemctlFor(root, kind, systemctl);
  ctl(['daemon-reload']);
  ctl(['enable', '--now', ...UNITS.filter((u) => files.some((f) => f.path.endsWith(`/${u}`)))]);
}

const UNITS = ['certkit-check.timer', 'certkit-renew.timer', 'certkit-exporter.service'];

/** Removes what is present; returns it. */
export async function removeSchedule(
  root: string,
  kind: ScheduleKind,
  systemctl: Systemctl = realSystemctl,
): Promise<string[]> {
  const present = presentScheduleFiles(root);
  const ctl = systemctlFor(root, kind, systemctl);
  ctl(['disable', '--now', ...UNITS.filter((u) => present.some((p) => p.endsWith(`/${u}`)))]);
  for (const p of present) await rm(p, { force: true });
  ctl(['daemon-reload']);
  return present;
}
