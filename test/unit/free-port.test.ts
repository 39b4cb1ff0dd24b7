// The suite's port allocator: parallel test processes never get the same port, and never one from the
// kernel's ephemeral range (where outgoing connections take their local ports). CI once failed on that race.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = fileURLToPath(new URL('../../scripts/lib/pebble.mjs', import.meta.url));

describe('freePort', () => {
  it('gives distinct ports below the ephemeral range to concurrent processes', async () => {
    // each process keeps running (holding its reservations, as a test file does while its servers run)
    // until all four have printed their ports: a finished process's locks are stale and may be reused
    const script = `import { freePort } from ${JSON.stringify(lib)};
      const ports = []; for (let i = 0; i < 40; i++) ports.push(await freePort());
      console.log(JSON.stringify(ports));
      process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
    const { spawn } = await import('node:child_process');
    const children = [0, 1, 2, 3].map(() => spawn(process.execPath, ['--input-type=module', '-e', script]));
    const runs = await Promise.all(
      children.map(
        (child) =>
          new Promise<number[]>((resolve, reject) => {
            let out = '';
            child.stdout.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.endsWith('\n')) resolve(JSON.parse(out) as number[]);
            });
            child.on('error', reject);
            child.on('close', (code) => reject(new Error(`exit ${code} before printing its ports`)));
          }),
      ),
    );
    for (const child of children) child.stdin.end();
    const all = runs.flat();
    expect(all).toHaveLength(160);
    expect(new Set(all).size).toBe(160);
    const ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    for (const port of all) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(ephemeralStart);
    }
  });
});
