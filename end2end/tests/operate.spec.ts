import { expect, test } from '@playwright/test';
import { deploy, fast, hydrated, openApp, openObserveURL, signIn, unique } from './helpers';

// Operating an app from its page, against the simulator: live rollout, plan, failure and automatic revert,
// canaries and promotion, rollback to an old version, scale, restart, logs (live and history), metrics and
// services, stop and purge.

test('deploy from the form, watch it become healthy live, then plan a change', async ({ page }) => {
  await signIn(page, 'dave', '/deploy?tenant=demo');
  await hydrated(page);
  const name = unique('live');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Image', { exact: true }).fill('nginx:1.27');
  // A plan of a new app says so and what would be placed.
  await page.getByTestId('plan').click();
  await expect(page.getByTestId('plan-headline')).toHaveText(`${name}: a new app (job demo--${name}).`);
  await expect(page.getByTestId('plan-group')).toContainText('1 to place');
  await page.getByTestId('deploy').click();
  await page.getByTestId('watch-rollout').click();
  await hydrated(page);
  // No reload: the page follows the rollout through the event stream.
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 0 is deployed.', { timeout: 20_000 });
  await expect(page.getByTestId('health')).toHaveText('healthy');
  await expect(page.getByTestId('instance')).toHaveCount(1);

  // Edit: the plan shows the changed field and the replacement.
  await page.getByTestId('edit-app').click();
  await hydrated(page);
  await page.getByLabel('Image', { exact: true }).fill('nginx:1.28');
  await page.getByTestId('plan').click();
  await expect(page.getByTestId('plan-headline')).toContainText(`${name}: `);
  await expect(page.getByTestId('plan-changes')).toContainText('nginx:1.28');
  await expect(page.getByTestId('plan-group')).toContainText('replaced');
});

test('a plan that cannot be placed says why in plain words', async ({ page }) => {
  await signIn(page, 'dave', '/deploy?tenant=demo');
  await hydrated(page);
  await page.getByRole('tab', { name: 'np.yaml / OAM / spec' }).click();
  const name = unique('big');
  // More memory than any simulated node has (16 GiB each), within the tenant's budget.
  await page.getByLabel('Document').fill(`name: ${name}\nimage: nginx:1.27\nresources:\n  memory: 20000\n`);
  await page.getByTestId('plan').click();
  await expect(page.getByTestId('plan-failure')).toContainText(`cannot be placed: not enough memory on any node in pool`);
});

test('a failing version is rolled back automatically, and the page says so', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('rev');
  const spec = { name, image: 'nginx:1.27', ports: [{ name: 'http', port: 8080 }], update: fast };
  await deploy(page, spec);
  await openApp(page, name);
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 0 is deployed.', { timeout: 20_000 });
  await deploy(page, { ...spec, image: 'example/unhealthy:2' });
  await expect(page.getByTestId('reverted')).toContainText('Job version 1 failed and was rolled back to job version 0.', {
    timeout: 30_000,
  });
  await expect(page.getByTestId('health')).toHaveText('healthy', { timeout: 20_000 });
});

test('canaries wait for promotion; promoting finishes the rollout', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('can');
  const spec = {
    name,
    image: 'nginx:1.27',
    replicas: { count: 2 },
    update: { ...fast, canaries: 1 },
  };
  await deploy(page, spec);
  await openApp(page, name);
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 0 is deployed.', { timeout: 20_000 });
  await deploy(page, { ...spec, image: 'nginx:1.28' });
  await expect(page.getByTestId('deployment-headline')).toHaveText(
    'Job version 1: canaries are healthy and wait for promotion.',
    { timeout: 20_000 },
  );
  await expect(page.locator('[data-testid="instance"]', { hasText: 'canary' })).toHaveCount(1);
  // The canary runs beside the two instances the job asks for: counted, and said.
  await expect(page.getByTestId('instances')).toHaveText('3/3 running (1 canary)');
  await page.getByTestId('promote').click();
  await expect(page.getByTestId('operation-result')).toHaveText('Promoting the canaries…');
  // The message ends when the rollout does, replaced by its result.
  await expect(page.getByTestId('operation-result')).toHaveText('Canaries promoted: job version 1 is deployed.', {
    timeout: 30_000,
  });
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 1 is deployed.');
  await expect(page.getByTestId('instances')).toHaveText('2/2 running');
});

test('roll back to an old version from the versions list, with its diff', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('rb');
  const spec = { name, image: 'nginx:1.26', env: { COLOR: 'blue' }, update: fast };
  await deploy(page, spec);
  await deploy(page, { ...spec, image: 'nginx:1.27', env: { COLOR: 'green' } });
  await openApp(page, name);
  await expect(page.getByTestId('app-image')).toHaveText('docker.io/library/nginx:1.27', { timeout: 20_000 });
  await page.getByRole('tab', { name: 'Versions' }).click();
  // The tab is kept in the address: a reload shows it again.
  await expect(page).toHaveURL(/tab=versions/);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('tab', { name: 'Versions' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('version')).toHaveCount(2);
  // The newest two are compared: both changed fields, old and new.
  const diff = page.getByTestId('diff');
  await expect(diff).toContainText('env.COLOR');
  await expect(diff).toContainText('nginx:1.26');
  await expect(diff).toContainText('nginx:1.27');
  await page.locator('[data-testid="version"][data-number="1"]').getByTestId('rollback').click();
  await expect(page.getByTestId('operation-result')).toContainText('Rolling back');
  // Without a reload: the result once Nomad has rolled it out, the header, and the versions list.
  await expect(page.getByTestId('operation-result')).toHaveText(
    `${name} was rolled back to deploy #1's spec: job version 2 is deployed.`,
    { timeout: 30_000 },
  );
  await expect(page.getByTestId('app-image')).toHaveText('docker.io/library/nginx:1.26');
  await expect(page.getByTestId('app-version')).toHaveText('job version 2');
  await expect(page.getByTestId('running-deploy')).toHaveText('deploy #3');
  await expect(page.getByTestId('version')).toHaveCount(3);
  const newest = page.locator('[data-testid="version"][data-number="3"]');
  await expect(newest).toContainText('rollback');
  await expect(newest).toContainText('nginx:1.26');
  await expect(newest).toHaveAttribute('data-current', 'true');
  await expect(newest.getByTestId('runs-now')).toBeVisible();
  await expect(newest).toContainText('Dave Developer');
  await expect(page.locator('[data-testid="version"][data-number="2"]')).toHaveAttribute('data-current', 'false');
});

test('scale within bounds, restart one at a time, then stop, start again and purge', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('sc');
  await deploy(page, { name, image: 'nginx:1.27', replicas: { count: 1, min: 1, max: 3 }, update: fast });
  await openApp(page, name);
  await expect(page.getByTestId('instances')).toHaveText('1/1 running', { timeout: 20_000 });
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 0 is deployed.', { timeout: 20_000 });
  const count = page.getByLabel('Instances');
  await count.fill('5');
  await expect(page.getByTestId('scale')).toBeDisabled();
  // Why, next to it.
  await expect(page.getByTestId('scale-why')).toHaveText("At most 3: the app's replicas.max. Raise it with Edit to go further.");
  await count.fill('3');
  await expect(page.getByTestId('scale-why')).toHaveText('');
  await page.getByTestId('scale').click();
  await expect(page.getByTestId('operation-result')).toHaveText(`Scaling ${name} to 3…`);
  await expect(page.getByTestId('operation-result')).toHaveText(`${name} runs 3 instances.`, { timeout: 30_000 });
  await expect(page.getByTestId('instances')).toHaveText('3/3 running');
  await expect(page.getByTestId('running-deploy')).toHaveText('deploy #1, scaled since');

  // Restart asks first, and by default restarts one instance at a time.
  await page.getByTestId('restart-all').click();
  await expect(page.getByTestId('confirm')).toContainText('Restart 3 instances one at a time');
  await page.getByTestId('restart-rolling').click();
  await expect(page.getByTestId('operation-result')).toHaveText('Restarting 3 instances, one batch at a time…');
  await expect(page.getByTestId('operation-result')).toHaveText('All 3 instances restarted and run again.', {
    timeout: 60_000,
  });

  await page.getByTestId('stop').click();
  await expect(page.getByTestId('confirm-go')).toBeDisabled();
  await page.getByTestId('confirm-name').fill(name);
  await page.getByTestId('confirm-go').click();
  await expect(page.getByTestId('operation-result')).toHaveText(`${name} is stopped: nothing runs. Start runs it again.`, {
    timeout: 30_000,
  });
  await expect(page.getByTestId('health')).toHaveText('stopped');
  // A stopped app offers what a stopped app can do, and its card says what is true now.
  await expect(page.getByTestId('scale')).toHaveCount(0);
  await expect(page.getByTestId('restart-all')).toHaveCount(0);
  await expect(page.getByTestId('stop')).toHaveCount(0);
  await expect(page.getByTestId('deployment-headline')).toHaveText('Stopped: nothing runs.');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('operation-result')).toHaveText(new RegExp(`^${name} started: job version \\d+ is deployed\\.$`), {
    timeout: 30_000,
  });
  await expect(page.getByTestId('instances')).toHaveText('3/3 running');
  await expect(page.getByTestId('scale')).toBeVisible();

  await page.getByTestId('purge').click();
  await page.getByTestId('confirm-name').fill(name);
  await page.getByTestId('confirm-go').click();
  await expect(page.getByTestId('operation-result')).toContainText(`${name} was purged`, { timeout: 30_000 });
});

test('logs: live tail with colours as text, pause and resume, history search', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('log');
  await deploy(page, { name, image: 'nginx:1.27', ports: [{ name: 'http', port: 8080 }], update: fast });
  await openApp(page, name);
  await expect(page.getByTestId('instances')).toHaveText('1/1 running', { timeout: 20_000 });
  await page.getByRole('tab', { name: 'Logs' }).click();
  const lines = page.getByTestId('log-lines');
  // The simulated app writes a line per request and a heartbeat; the tail shows them as they come.
  await expect(lines).not.toBeEmpty({ timeout: 20_000 });
  const before = await lines.locator('div').count();
  await page.getByTestId('log-pause').click();
  await expect(page.getByTestId('log-pause')).toHaveText('Resume');
  await page.getByTestId('log-end').click();
  await expect(page.getByTestId('log-pause')).toHaveText('Pause');
  await expect.poll(async () => lines.locator('div').count(), { timeout: 20_000 }).toBeGreaterThan(before);
  // Nothing in a log line is ever markup.
  await expect(lines.locator('script, img, a')).toHaveCount(0);

  // History search: the server adds the tenant's namespace; the page finds the app's own lines.
  const first = (await lines.locator('div').first().innerText()).trim();
  const word = first.split(/\s+/).find((w) => /^[a-z]{4,}$/i.test(w)) ?? first.slice(0, 10);
  await page.getByTestId('log-search-text').fill(word);
  await page.getByTestId('log-search-go').click();
  await expect(page.getByTestId('log-result').first()).toContainText(word, { timeout: 10_000 });
  await expect(page.getByTestId('log-results')).toContainText('found, newest first');

  // The tail shows the log to its very last line, as Nomad serves it.
  const end = await page.request.get(`/api/v1/tenants/demo/apps/${name}/logs`);
  // eslint-disable-next-line no-control-regex
  const lastLine = (await end.text()).replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n').pop()!.trim();
  expect(lastLine.length).toBeGreaterThan(0);
  await expect(lines).toContainText(lastLine);

  // More matches than a search shows: it says so, and how to narrow it.
  const now = Date.now() * 1000;
  const records = Array.from({ length: 1100 }, (_, i) => ({
    _timestamp: now - i * 1000,
    nomad_namespace: 'demo',
    nomad_job_name: `demo--${name}`,
    nomad_alloc_id: 'f'.repeat(8) + '-0000-0000-0000-000000000000',
    stream: 'stdout',
    message: `haystack line ${i}`,
  }));
  const ingested = await fetch(`${openObserveURL}/api/default/nomad_logs/_json`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from('root@example.com:np-sim-password').toString('base64')}`,
    },
    body: JSON.stringify(records),
  });
  expect(ingested.ok).toBe(true);
  await page.getByTestId('log-search-text').fill('haystack');
  await page.getByTestId('log-search-go').click();
  await expect(page.getByTestId('log-results')).toContainText(
    'The newest 1000 matching lines are shown; there are more. Narrow the search',
  );
  await expect(page.getByTestId('log-result')).toHaveCount(1000);
});

test('metrics and services tabs show the app as Nomad, OpenObserve and Consul see it', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('ms');
  await deploy(page, {
    name,
    image: 'nginx:1.27',
    ports: [{ name: 'http', port: 8080 }],
    routes: [{ host: `${name}.demo.apps.localhost` }],
    health: { type: 'http', path: '/' },
    update: fast,
  });
  await openApp(page, name);
  await expect(page.getByTestId('instances')).toHaveText('1/1 running', { timeout: 20_000 });
  await page.getByRole('tab', { name: 'Metrics' }).click();
  await expect(page.getByTestId('chart')).toHaveCount(2);
  await expect(page.getByTestId('chart').first().locator('svg')).toBeVisible();
  await page.getByRole('tab', { name: 'Services' }).click();
  await expect(page.getByTestId('route')).toContainText(`${name}.demo.apps.localhost`);
  await expect(page.getByTestId('service-instance').first()).toContainText('passing', { timeout: 10_000 });
  // A check's state and what it said are set apart, never run together.
  await expect(page.getByTestId('check').first()).toHaveText(/: passing( — .+)?$/);
});

test('an auditor sees the app but no operations and no logs', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('aud');
  await deploy(page, { name, image: 'nginx:1.27', update: fast });
  await signIn(page, 'audrey', `/apps/${name}?tenant=demo`);
  await hydrated(page);
  await expect(page.getByTestId('app-page')).toBeVisible();
  await expect(page.getByTestId('scale')).toHaveCount(0);
  await expect(page.getByTestId('stop')).toHaveCount(0);
  await expect(page.getByRole('tab', { name: 'Logs' })).toHaveCount(0);
  const tail = await page.request.get(`/api/v1/tenants/demo/apps/${name}/logs/tail`);
  expect(tail.status()).toBe(403);
});
