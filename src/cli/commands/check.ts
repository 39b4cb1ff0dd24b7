import { CertkitError, errorMessage } from '../../errors.js';
import { replaceFileKeepingMode } from '../../util/fs-atomic.js';
import { worst } from '../../monitor/evaluate.js';
import { renderNagios } from '../../monitor/report/nagios.js';
import { renderPrometheus } from '../../monitor/report/prometheus.js';
import { renderTable } from '../../monitor/report/table.js';
import { EXIT_FOR, type CheckReport } from '../../monitor/types.js';
import type { Context } from '../context.js';
import { checkReport, type CheckFlags } from '../check-setup.js';

/**
 * The Nagios contract: the report is always printed (every target, the status line) and the metrics file always
 * rewritten; a file that cannot be written makes the run at least UNKNOWN; the email digest is sent last and a
 * failure to send it is reported after the output without changing the exit code. Errors that stop the run
 * before a report exists exit 3 (UNKNOWN), see register/monitor.ts.
 */
export async function runCheckCommand(ctx: Context, args: string[], flags: CheckFlags): Promise<number> {
  const { report, cfg, policy } = await checkReport(ctx, args, flags);
  const problems: string[] = [];
  const write = async (file: string | undefined, render: () => Promise<string>) => {
    if (!file) return;
    try {
      // rewritten every run: the mode, owner and group an operator gave the file stay
      await replaceFileKeepingMode(file, await render(), 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(`cannot write ${file} (${code ?? errorMessage(err)})`);
    }
  };
  await write(flags.prometheus ?? cfg.prometheus, async () => renderPrometheus(report));
  await write(flags.html ?? cfg.html, async () =>
    (await import('../../monitor/report/html.js')).renderHtml(report),
  );
  const status = problems.length ? worst([report.status, 'UNKNOWN']) : report.status;
  const shown: CheckReport =
    status === report.status ? report : { ...report, status, exitCode: EXIT_FOR[status] };

  if (ctx.json) ctx.out(JSON.stringify(shown, null, 2));
  else if (flags.nagios) ctx.out(renderNagios(shown, policy.warnDays, policy.critDays, problems));
  else if (!ctx.quiet || shown.status !== 'OK') for (const l of renderTable(shown, ctx.color)) ctx.out(l);
  for (const p of problems) ctx.err(`certkit: ${p}`);

  if ((flags.email || flags.emailAlways || cfg.email) && (flags.emailAlways || report.status !== 'OK')) {
    try {
      const { sendDigest, validateEmailSettings } = await import('../../monitor/email.js');
      await sendDigest(report, validateEmailSettings(ctx.config.email, ctx.configFile ?? 'the config file'));
    } catch (err) {
      const hint = err instanceof CertkitError && err.hint ? ` (${err.hint})` : '';
      ctx.err(`certkit: ${errorMessage(err)}${hint}`);
    }
  }
  return shown.exitCode;
}
