import { defineConfig, devices } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// The console under test: the built server (`target/debug/np`, built by `cargo leptos build`) with the site
// in target/site, on its own port, against the database named by DATABASE_URL (scripts/test provides one),
// with the local OpenID provider (port + 1) and the cluster simulator (ports + 2, + 3, + 4) beside it. A
// tenant `demo` is created before the console starts.
const port = Number(process.env.NP_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const providerPort = port + 1;
const [nomadPort, consulPort, o2Port] = [port + 2, port + 3, port + 4];
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
  webServer: [
    {
      command: `node ${root}scripts/oidc-provider.mjs`,
      cwd: root,
      url: `http://127.0.0.1:${providerPort}/__test/health`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { OIDC_PORT: String(providerPort), CONSOLE_URL: baseURL },
    },
    {
      command: `${root}target/debug/np sim --nomad-port ${nomadPort} --consul-port ${consulPort} --openobserve-port ${o2Port}`,
      cwd: root,
      url: `http://127.0.0.1:${nomadPort}/v1/status/leader`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { NP_LOG: 'warn' },
    },
    {
      command: `sh -c '${root}target/debug/np tenant create demo --name Demo --if-missing && exec ${root}target/debug/np serve'`,
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
        NP_NOMAD_ADDR: `http://127.0.0.1:${nomadPort}`,
        NP_CONSUL_ADDR: `http://127.0.0.1:${consulPort}`,
        NP_OPENOBSERVE_URL: `http://127.0.0.1:${o2Port}`,
        NP_OPENOBSERVE_USER: 'root@example.com',
        NP_OPENOBSERVE_PASSWORD: 'np-sim-password',
        NP_OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
        NP_OIDC_CLIENT_ID: 'np-console',
        NP_OIDC_CLIENT_SECRET: 'np-local-secret',
        NP_OIDC_ROLE_MAPPING:
          'np-admins=platform:admin,np-auditors=platform:auditor,demo-admins=demo:admin,demo-devs=demo:developer,demo-auditors=demo:auditor',
      },
    },
  ],
});
