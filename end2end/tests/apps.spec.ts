import { expect, test } from '@playwright/test';
import { hydrated, signIn } from './helpers';

// From the deploy form to a running app in the apps list, through the simulator.

test('a developer deploys from the form and sees the app running in the list', async ({ page }) => {
  await signIn(page, 'dave', '/deploy');
  await hydrated(page);
  const name = `web${Date.now().toString(36).slice(-6)}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Image', { exact: true }).fill('nginx:1.27');
  await expect(page.getByTestId('preview-status')).toHaveText(`Valid: job demo-${name} in namespace demo`);
  await page.getByTestId('deploy').click();
  await expect(page.getByTestId('deploy-result')).toContainText(`Deployed ${name} as job demo-${name}`);

  await page.getByRole('link', { name: 'See it in the apps list' }).click();
  const row = page.locator(`[data-testid="app-row"][data-app="${name}"]`);
  await expect(row).toContainText('Dave Developer');
  await expect(row).toContainText(`https://${name}.demo.apps.localhost/`);
  // The simulator starts the instance on its clock; reload until it runs.
  await expect(async () => {
    await page.reload();
    await expect(row.getByTestId('health')).toHaveText('healthy', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(row.getByTestId('instances')).toHaveText('1/1');

  // The filter runs on the server.
  await page.getByLabel('Name starts with').fill(name);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`filter=${name}`));
  await expect(page.getByTestId('app-row')).toHaveCount(1);
  await page.getByLabel('Name starts with').fill('zzz-none');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByTestId('no-apps')).toBeVisible();
});

test('a refused document deploys nothing and says why', async ({ page }) => {
  await signIn(page, 'dave', '/deploy');
  await hydrated(page);
  await page.getByRole('tab', { name: 'np.yaml / OAM / spec' }).click();
  await page.getByLabel('Document').fill('name: bad\nimage: nginx:1.27\nroutes:\n  - host: bad.other.example.com\n');
  await page.getByTestId('deploy').click();
  await expect(page.getByTestId('deploy-result')).toContainText('Nothing was deployed');
  await expect(page.getByTestId('deploy-result')).toContainText('routes[0].host');
});
