import { expect, test } from '@playwright/test';
import { deploy, deployed, fast, hydrated, nomad, openApp, signIn, unique, nav } from './helpers';

// What the console shows is what Nomad runs: after Nomad reverts a failed version, after a change made through
// Nomad's own API behind the console's back, and in the apps list while things change elsewhere.

test('after a revert, the header, the versions and Edit all describe what Nomad runs', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('rv');
  const spec = { name, image: 'nginx:1.27', ports: [{ name: 'http', port: 8080 }], update: fast };
  await deploy(page, spec);
  await openApp(page, name);
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 0 is deployed.', { timeout: 20_000 });
  await deploy(page, { ...spec, image: 'example/unhealthy:2' });
  // Nomad fails the new version and registers version 0's spec again as version 2.
  await expect(page.getByTestId('reverted')).toContainText('Job version 1 failed and was rolled back to job version 0.', {
    timeout: 40_000,
  });
  await expect(page.getByTestId('app-version')).toHaveText('job version 2');
  await expect(page.getByTestId('app-image')).toHaveText('docker.io/library/nginx:1.27');
  await expect(page.getByTestId('running-deploy')).toHaveText("deploy #1's spec, after a revert");
  await expect(page.getByTestId('health')).toHaveText('healthy', { timeout: 20_000 });

  await page.getByRole('tab', { name: 'Versions' }).click();
  const first = page.locator('[data-testid="version"][data-number="1"]');
  const failed = page.locator('[data-testid="version"][data-number="2"]');
  await expect(first).toHaveAttribute('data-current', 'true');
  await expect(failed).toHaveAttribute('data-current', 'false');
  await expect(first.getByTestId('version-note')).toHaveText(
    'Nomad runs this spec again as job version 2, after a later version was reverted.',
  );
  await expect(failed.getByTestId('version-note')).toHaveText("Failed; Nomad reverted to job version 0 (deploy #1's spec).", {
    timeout: 20_000,
  });
  await expect(failed.getByTestId('version-outcome')).toContainText('rollout failed');

  // Edit starts from what runs, not from the failed build.
  await page.getByTestId('edit-app').click();
  await hydrated(page);
  await expect(page.getByLabel('Image', { exact: true })).toHaveValue('nginx:1.27');
  await expect(page.getByTestId('edit-note')).toContainText("runs deploy #1's spec again");
});

test('a scale and a new image made through Nomad directly show on the page, in the list and in Edit', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('bh');
  const job = `demo--${name}`;
  await deploy(page, { name, image: 'nginx:1.27', replicas: { count: 1, max: 4 }, update: fast });
  await openApp(page, name);
  await expect(page.getByTestId('deployment-headline')).toHaveText('Job version 0 is deployed.', { timeout: 20_000 });

  // `nomad job scale demo--x 2`
  await nomad(`/v1/job/${job}/scale?namespace=demo`, {
    method: 'POST',
    body: { Count: 2, Target: { Group: name }, Message: 'by hand' },
  });
  await expect(page.getByTestId('instances')).toHaveText('2/2 running', { timeout: 20_000 });
  await expect(page.getByTestId('running-deploy')).toHaveText('deploy #1, scaled since');

  // `nomad job run` of an edited copy of the job: another image.
  await deployed(job);
  const current = await nomad(`/v1/job/${job}?namespace=demo`);
  for (const group of current.TaskGroups) for (const task of group.Tasks) task.Config.image = 'docker.io/library/nginx:1.29';
  await nomad(`/v1/jobs?namespace=demo`, { method: 'PUT', body: { Job: current } });
  await expect(page.getByTestId('app-image')).toHaveText('docker.io/library/nginx:1.29', { timeout: 20_000 });
  await expect(page.getByTestId('running-deploy')).toHaveText('changed outside the console since deploy #1');
  await expect(page.getByTestId('running-note')).toContainText('changed outside the console since deploy #1: image.');

  // The list shows it too, and Edit starts from what runs.
  await nav(page, 'Apps').click();
  const row = page.locator(`[data-testid="app-row"][data-app="${name}"]`);
  await expect(row.getByTestId('instances')).toHaveText('2/2');
  await page.goto(`/deploy?tenant=demo&app=${name}`);
  await hydrated(page);
  await expect(page.getByLabel('Image', { exact: true })).toHaveValue('docker.io/library/nginx:1.29');
  await expect(page.getByLabel('Instances', { exact: true })).toHaveValue('2');
});

test('the apps list follows deploys, scales and stops made elsewhere without a reload', async ({ page }) => {
  await signIn(page, 'dave', '/apps?tenant=demo');
  await hydrated(page);
  const name = unique('ls');
  const row = page.locator(`[data-testid="app-row"][data-app="${name}"]`);
  await expect(row).toHaveCount(0);
  // A pipeline deploys through the API.
  await deploy(page, { name, image: 'nginx:1.27', replicas: { count: 1, max: 3 }, update: fast });
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect(row.getByTestId('health')).toHaveText('healthy', { timeout: 30_000 });
  await expect(row.getByTestId('instances')).toHaveText('1/1');
  // Someone scales it with Nomad's CLI (Nomad refuses while a deployment runs).
  await deployed(`demo--${name}`);
  await nomad(`/v1/job/demo--${name}/scale?namespace=demo`, {
    method: 'POST',
    body: { Count: 3, Target: { Group: name }, Message: 'by hand' },
  });
  await expect(row.getByTestId('instances')).toHaveText('3/3', { timeout: 30_000 });
  // And stops it.
  await nomad(`/v1/job/demo--${name}?namespace=demo`, { method: 'DELETE' });
  await expect(row.getByTestId('health')).toHaveText('stopped', { timeout: 30_000 });
});
