import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // examples import the package by name, as users do
    alias: { certkit: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // fails the run if a test started the machine's own Apache (see the file)
    globalSetup: ['test/system-apache-guard.ts'],
    // `certkit request` sets up renewal (schedule install) when none exists: never into this machine's /etc
    env: { CERTKIT_SCHEDULE_ROOT: join(tmpdir(), 'certkit-test-schedule-root') },
    reporters: ['default'],
  },
});
