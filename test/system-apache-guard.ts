/**
 * vitest global set-up: the suite must never start (or leave running) the machine's own Apache — every test
 * runs private instances with their own tree (`-d DIR` or APACHE_CONFDIR). CI once found /etc/apache2's
 * instance started by a test's control wrapper that called apache2ctl without naming the tree; it then held
 * port 80 for the rest of the run. An Apache running before the suite began is left alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';

/** pid → command line of every Apache parent that was started without naming a configuration tree. */
function systemApaches(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // gone meanwhile
    }
    const exe = basename(argv[0] ?? '');
    if ((exe === 'apache2' || exe === 'httpd') && !argv.includes('-d') && !argv.includes('-f'))
      found.set(Number(entry), argv.join(' '));
  }
  return found;
}

export default function setup(): () => void {
  const before = systemApaches();
  return () => {
    const started = [...systemApaches()].filter(([pid]) => !before.has(pid));
    if (started.length === 0) return;
    for (const [pid] of started) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    // vitest reports an error thrown here but still exits 0: set the exit code as well
    process.exitCode = 1;
    throw new Error(
      `the suite started this machine's own Apache (${started.map(([pid, cmd]) => `pid ${pid}: ${cmd}`).join('; ')}); ` +
        'a test ran apache2ctl/httpd without its tree (APACHE_CONFDIR or -d). It has been stopped.',
    );
  };
}
