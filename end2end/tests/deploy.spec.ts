import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

// The deploy form: the Nomad job is generated in the browser as you type (no request to the server), errors
// appear next to the field they are about, and the server checks the same description again on submit.

async function hydrated(page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test.beforeEach(async ({ page }) => {
  await signIn(page, 'dave', '/');
});

function serverCalls(page) {
  const calls: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) calls.push(request.url());
  });
  return calls;
}

test('the job preview follows the form as you type, with no server round trip', async ({ page }) => {
  await page.goto('/deploy');
  await hydrated(page);
  const calls = serverCalls(page);

  await page.getByLabel('Name', { exact: true }).fill('shop');
  // The first route's host follows the name until it is edited.
  await expect(page.getByLabel('Host 1', { exact: true })).toHaveValue('shop.demo.apps.localhost');
  await page.getByLabel('Image', { exact: true }).fill('ghcr.io/acme/shop:2.3.1');

  const status = page.getByTestId('preview-status');
  const job = page.getByTestId('job-text');
  await expect(status).toHaveText('Valid: job demo--shop in namespace demo');
  await expect(job).toContainText('job "demo--shop" {');
  await expect(job).toContainText('image = "ghcr.io/acme/shop:2.3.1"');
  await expect(job).toContainText('traefik.http.routers.demo--shop--r0.rule=Host(`shop.demo.apps.localhost`)');
  await expect(page.getByTestId('hosts')).toHaveText('shop.demo.apps.localhost');

  await page.getByTestId('tab-json').click();
  await expect(job).toContainText('"ID": "demo--shop"');
  await expect(job).toContainText('"Namespace": "demo"');

  // More instances and a canary: the job changes with each keystroke.
  await page.getByLabel('Instances', { exact: true }).fill('3');
  await page.getByLabel('Canaries', { exact: true }).fill('1');
  await expect(job).toContainText('"Count": 3');
  await expect(job).toContainText('"Canary": 1');
  await expect(page.getByTestId('hosts')).toHaveText('canary-shop.demo.apps.localhost, shop.demo.apps.localhost');

  // Quotes and template markers in values come out exactly as typed, escaped for HCL.
  await page.getByTestId('add-env').click();
  await page.getByLabel('Variable 1', { exact: true }).fill('GREETING');
  await page.getByLabel('Value', { exact: true }).fill('say "hi" {{ .Name }} %{ x }');
  await page.getByTestId('tab-hcl').click();
  await expect(job).toContainText('"GREETING" = "say \\"hi\\" {{ .Name }} %%{ x }"');

  expect(calls).toEqual([]);
});

test('errors appear next to their field and clear when fixed', async ({ page }) => {
  await page.goto('/deploy');
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill('shop');
  await page.getByLabel('Image', { exact: true }).fill('nginx:1.27');

  const host = page.getByLabel('Host 1', { exact: true });
  await host.fill('shop.evil.example.com');
  const hostError = page.locator('#f-routes-0--host-error');
  await expect(hostError).toHaveText('must end with .demo.apps.localhost');
  await expect(host).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('preview-status')).toHaveText('1 problem to fix');
  await expect(page.getByTestId('job-text')).toHaveCount(0);

  await host.fill('shop.demo.apps.localhost');
  await expect(hostError).toHaveCount(0);
  await expect(host).toHaveAttribute('aria-invalid', 'false');

  // Node attributes cannot be smuggled into the environment.
  await page.getByTestId('add-env').click();
  await page.getByLabel('Variable 1', { exact: true }).fill('NODE');
  await page.getByLabel('Value', { exact: true }).fill('${attr.unique.hostname}');
  await expect(page.getByTestId('env')).toContainText('would be replaced by Nomad');

  await page.getByLabel('Value', { exact: true }).fill('${NOMAD_ALLOC_ID}');
  await expect(page.getByTestId('env')).not.toContainText('would be replaced');
  await expect(page.getByTestId('preview-status')).toHaveText('Valid: job demo--shop in namespace demo');

  // A port that is not a number.
  await page.getByLabel('Container port', { exact: true }).fill('80a');
  await expect(page.locator('#f-ports-0--port-error')).toHaveText('must be a whole number');
});

test('the server checks the description again on submit', async ({ page }) => {
  await page.goto('/deploy');
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill('shop');
  await page.getByLabel('Image', { exact: true }).fill('ghcr.io/acme/shop:2.3.1');

  const check = page.waitForResponse((r) => r.url().includes('/api/check_app'));
  await page.getByTestId('check-on-server').click();
  expect((await check).status()).toBe(200);
  await expect(page.getByTestId('server-verdict')).toHaveText(
    'The server generated the same job (demo--shop): valid.',
  );
});

test('a pasted np.yaml or OAM file gets the same preview, with errors at its own keys', async ({ page }) => {
  await page.goto('/deploy');
  await hydrated(page);
  await page.getByRole('tab', { name: 'np.yaml / OAM / spec' }).click();

  await page.getByTestId('example-np-yaml').click();
  await expect(page.getByTestId('preview-status')).toHaveText('Valid: job demo--web in namespace demo');
  await expect(page.getByTestId('job-text')).toContainText('job "demo--web" {');

  await page.getByTestId('example-oam').click();
  await expect(page.getByTestId('preview-status')).toHaveText('Valid: job demo--web in namespace demo');
  await expect(page.getByTestId('job-text')).toContainText('count = 2');

  const oam = await page.getByTestId('document').inputValue();
  await page.getByTestId('document').fill(oam.replace('memory: 512Mi', 'memory: 512Mi\n        privileged: true'));
  await expect(page.getByTestId('problems')).toContainText(
    'spec.components[0].properties.privileged privileged containers are not allowed',
  );

  // The server agrees.
  await page.getByTestId('check-on-server').click();
  await expect(page.getByTestId('server-verdict')).toHaveText('The server refused it: 1 problem.');

  // A valid file can be carried over to the form.
  await page.getByTestId('example-np-yaml').click();
  await page.getByTestId('edit-in-form').click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('web');
  await expect(page.getByLabel('Instances', { exact: true })).toHaveValue('2');
  await expect(page.getByTestId('preview-status')).toHaveText('Valid: job demo--web in namespace demo');
});
