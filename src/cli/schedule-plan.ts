/** The schedule files for this run's --config and --store (shared by `schedule install` and the bare request). */
import { plannedScheduleFiles, type ScheduleKind } from '../monitor/schedule-install.js';
import type { ScheduleFile } from '../monitor/schedule.js';
import type { Context } from './context.js';

export function scheduleFilesFor(
  ctx: Context,
  root: string,
  kind: ScheduleKind,
  exporterListen?: string,
): ScheduleFile[] {
  return plannedScheduleFiles({
    root,
    kind,
    configFile: ctx.configFile,
    storeRoot: ctx.storeRoot,
    configHasCheckTargets: (ctx.config.check?.targets?.length ?? 0) > 0,
    exporterListen,
  });
}
