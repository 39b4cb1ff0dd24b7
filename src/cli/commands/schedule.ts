import { readFile } from 'node:fs/promises';
import { CertkitError } from '../../errors.js';
import {
  installSchedule,
  presentScheduleFiles,
  removeSchedule,
  scheduleKind,
} from '../../monitor/schedule-install.js';
import type { Context } from '../context.js';
import { scheduleFilesFor } from '../schedule-plan.js';

export interface ScheduleFlags {
  root: string;
  cron?: boolean;
  systemd?: boolean;
  dryRun?: boolean;
  /** also install the exporter service, listening here (`--exporter [addr:port]`) */
  exporter?: string | boolean;
}

export const DEFAULT_EXPORTER_LISTEN = '127.0.0.1:9793';

export async function runSchedule(ctx: Context, action: string, flags: ScheduleFlags): Promise<number> {
  const root = flags.root;
  const kind = scheduleKind(flags);
  switch (action) {
    case 'install': {
      const listen = flags.exporter === true ? DEFAULT_EXPORTER_LISTEN : flags.exporter || undefined;
      const files = scheduleFilesFor(ctx, root, kind, listen);
      if (flags.dryRun) {
        ctx.out(
          ctx.json
            ? JSON.stringify({ schemaVersion: 1, dryRun: true, kind, files }, null, 2)
            : files.map((f) => `# ${f.path}\n${f.content}`).join('\n'),
        );
        return 0;
      }
      await installSchedule(root, kind, files);
      if (ctx.json)
        ctx.out(JSON.stringify({ schemaVersion: 1, installed: true, kind, files: files.map((f) => f.path) }));
      else if (!ctx.quiet) ctx.out(`installed ${kind} schedule: ${files.map((f) => f.path).join(', ')}`);
      return 0;
    }
    case 'remove': {
      if (flags.dryRun) {
        const present = presentScheduleFiles(root);
        ctx.out(
          ctx.json
            ? JSON.stringify({ schemaVersion: 1, dryRun: true, remove: present })
            : present.map((p) => `would remove ${p}`).join('\n') || 'nothing to remove',
        );
        return 0;
      }
      const removed = await removeSchedule(root, kind);
      if (ctx.json) ctx.out(JSON.stringify({ schemaVersion: 1, removed }));
      else if (!ctx.quiet) ctx.out(removed.length ? `removed ${removed.join(', ')}` : 'nothing to remove');
      return 0;
    }
    case 'show': {
      const present = presentScheduleFiles(root);
      if (ctx.json)
        ctx.out(
          JSON.stringify(
            {
              schemaVersion: 1,
              files: await Promise.all(
                present.map(async (p) => ({ path: p, content: await readFile(p, 'utf8') })),
              ),
            },
            null,
            2,
          ),
        );
      else ctx.out(present.length ? present.join('\n') : 'no certkit schedule installed');
      return 0;
    }
    default:
      throw new CertkitError('usage', `unknown action "${action}"`, 'use install, remove or show');
  }
}
