import { expect, test } from '@playwright/test';
import { hydrated, signIn } from './helpers';

// From the deploy form to a running app in the apps list, through the simulator.

test('a developer deploys from the form and sees the app running in the list', async ({ page }) => {
  await signIn(page, 'dave', '/deploy');
  await hydrated(page);
  const name = `web${Date.now().toString(36).slice(-6)}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Image', { exact: true }).fill('nginx:1.27');
  await expect(page.getByTestId('preview-status')).toHaveText(`Valid: job demo--${name} in namespace demo`);
  await page.getByTestId('deploy').click();
  await expect(page.getByTestId('deploy-result')).toContainText(`Deployed ${name} as job demo--${name}`);

  await page.getByRole('link', { name: 'See it in the apps list' }).click();
  const row = page.locator(`[data-testid="app-row"][data-app="${name}"]`);
  await expect(row).toContainText('Dave Developer');
  await expect(row).toContainText(`https://${name}.demo.apps.localhost/`);
  // The simulator starts the instance on its clock; the list follows it without a reload.
  await expect(row.getByTestId('health')).toHaveText('healthy', { timeout: 30_000 });
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

test('two people edit the same app: the second is told it changed, nothing is overwritten', async ({ browser }) => {
  const dave = await (await browser.newContext()).newPage();
  const erin = await (await browser.newContext()).newPage();
  const name = `ed${Date.now().toString(36).slice(-6)}`;
  await signIn(dave, 'dave', '/deploy');
  await hydrated(dave);
  await dave.getByLabel('Name', { exact: true }).fill(name);
  await dave.getByLabel('Image', { exact: true }).fill('nginx:1.26');
  await dave.getByTestId('deploy').click();
  await expect(dave.getByTestId('deploy-result')).toContainText(`Deployed ${name}`);

  // Both open the app as deployed.
  await signIn(erin, 'erin', `/deploy`);
  for (const page of [dave, erin]) {
    await page.goto(`/deploy?tenant=demo&app=${name}`);
    await hydrated(page);
    await expect(page.getByLabel('Image', { exact: true })).toHaveValue('nginx:1.26');
  }
  await dave.getByLabel('Image', { exact: true }).fill('nginx:1.27');
  await dave.getByTestId('deploy').click();
  await expect(dave.getByTestId('deploy-result')).toContainText(`Deployed ${name}`);

  await erin.getByLabel('Image', { exact: true }).fill('nginx:1.28');
  await erin.getByTestId('deploy').click();
  await expect(erin.getByRole('alert')).toContainText(`${name} changed since you loaded it: Dave Developer deployed it`);
  await expect(erin.getByRole('alert')).toContainText('(changed: image)');

  // Dave keeps editing on top of his own deploy.
  await dave.getByLabel('Image', { exact: true }).fill('nginx:1.29');
  await dave.getByTestId('deploy').click();
  await expect(dave.getByTestId('deploy-result')).toContainText(`Deployed ${name}`);
  await expect(dave.getByRole('alert')).toHaveCount(0);
});
