import { defineConfig, devices } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// The console under test: the built server (`target/debug/np`, built by `cargo leptos build`) with the site
// in target/site, on its own port, against the database named by DATABASE_URL (scripts/test provides one).
const port = Number(process.env.NP_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: { baseURL, trace: 'retain-on-failure' },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: process.env.NP_CHROMIUM ?? '/usr/bin/chromium',
          // Chromium must not reach out to the network; this machine has none.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: {
    command: `${root}target/debug/np serve`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      NP_LISTEN: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: `${root}target/site`,
      NP_LOG: process.env.NP_LOG ?? 'warn',
    },
  },
});
