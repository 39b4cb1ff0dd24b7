import { describe, expect, it } from 'vitest';
import { scheduleFiles } from '../../src/monitor/schedule.js';
import { CertkitError } from '../../src/errors.js';

const base = { root: '/tmp/root', command: '/usr/bin/node /opt/certkit/bin/certkit.cjs' };

describe('schedule files', () => {
  for (const kind of ['cron', 'systemd'] as const) {
    it(`${kind}: a --store with a space or $(...) is refused, never written unquoted`, () => {
      for (const storeRoot of ['/srv/my store', '/srv/$(touch /tmp/pwned)', '/srv/a;b', '/srv/100%']) {
        let err: unknown;
        try {
          scheduleFiles({ ...base, kind, storeRoot });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(CertkitError);
        expect((err as CertkitError).kind).toBe('usage');
        expect((err as CertkitError).message).toContain(JSON.stringify(storeRoot));
      }
    });

    it(`${kind}: a relative --config is refused (the command makes it absolute first)`, () => {
      expect(() => scheduleFiles({ ...base, kind, configFile: 'certkit.json' })).toThrow(/absolute path/);
    });

    it(`${kind}: plain absolute paths are written as given`, () => {
      const files = scheduleFiles({
        ...base,
        kind,
        storeRoot: '/var/lib/certkit',
        configFile: '/etc/certkit.json',
      });
      const text = files.map((f) => f.content).join('\n');
      expect(text).toContain('--config /etc/certkit.json --store /var/lib/certkit --quiet renew');
    });
  }

  it('systemd services carry TimeoutStartSec so a hung run ends', () => {
    const services = scheduleFiles({ ...base, kind: 'systemd' }).filter((f) => f.path.endsWith('.service'));
    expect(services.length).toBe(2);
    for (const s of services) expect(s.content).toMatch(/^TimeoutStartSec=\d+min$/m);
  });
});
