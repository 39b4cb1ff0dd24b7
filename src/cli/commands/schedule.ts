import { existsSync, realpathSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { CertkitError } from '../../errors.js';
import { scheduleFiles } from '../../monitor/schedule.js';
import { ensureDir, writeFileAtomic } from '../../util/fs-atomic.js';
import { dirname } from 'node:path';
import type { Context } from '../context.js';

export interface ScheduleFlags {
  root: string;
  cron?: boolean;
  systemd?: boolean;
  dryRun?: boolean;
}

export async function runSchedule(ctx: Context, action: string, flags: ScheduleFlags): Promise<number> {
  const root = flags.root;
  const realRoot = root === '/';
  const kind = flags.cron
    ? 'cron'
    : flags.systemd
      ? 'systemd'
      : existsSync('/run/systemd/system')
        ? 'systemd'
        : 'cron';
  const bin = realpathSync(join(dirname(fileURLToPath(import.meta.url)), '../../../bin/certkit.js'));
  const files = scheduleFiles({
    root,
    kind,
    command: `${process.execPath} ${bin}`,
    // the units run from / : relative paths given on the command line are made absolute here
    configFile: ctx.configFile === undefined ? undefined : resolve(ctx.configFile),
    storeRoot: resolve(ctx.storeRoot),
    configHasCheckTargets: (ctx.config.check?.targets?.length ?? 0) > 0,
  });
  const all = [
    ...scheduleFiles({ root, kind: 'systemd', command: '' }),
    ...scheduleFiles({ root, kind: 'cron', command: '' }),
  ].map((f) => f.path);
  const systemctl = (...args: string[]) => {
    if (kind === 'systemd' && realRoot && !flags.dryRun) spawnSync('systemctl', args, { stdio: 'ignore' });
  };
  switch (action) {
    case 'install':
      if (flags.dryRun) {
        ctx.out(
          ctx.json
            ? JSON.stringify({ schemaVersion: 1, dryRun: true, kind, files }, null, 2)
            : files.map((f) => `# ${f.path}\n${f.content}`).join('\n'),
        );
        return 0;
      }
      for (const f of files) {
        await ensureDir(dirname(f.path), 0o755);
        await writeFileAtomic(f.path, f.content, 0o644);
      }
      systemctl('daemon-reload');
      systemctl('enable', '--now', 'certkit-check.timer', 'certkit-renew.timer');
      ctx.out(
        ctx.json
          ? JSON.stringify({ schemaVersion: 1, installed: true, kind, files: files.map((f) => f.path) })
          : `installed ${kind} schedule: ${files.map((f) => f.path).join(', ')}`,
      );
      return 0;
    case 'remove': {
      const present = all.filter((p) => existsSync(p));
      if (flags.dryRun) {
        ctx.out(
          ctx.json
            ? JSON.stringify({ schemaVersion: 1, dryRun: true, remove: present })
            : present.map((p) => `would remove ${p}`).join('\n') || 'nothing to remove',
        );
        return 0;
      }
      systemctl('disable', '--now', 'certkit-check.timer', 'certkit-renew.timer');
      for (const p of present) await rm(p, { force: true });
      systemctl('daemon-reload');
      ctx.out(
        ctx.json
          ? JSON.stringify({ schemaVersion: 1, removed: present })
          : present.length
            ? `removed ${present.join(', ')}`
            : 'nothing to remove',
      );
      return 0;
    }
    case 'show': {
      const present = all.filter((p) => existsSync(p));
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
