import { expect, test } from '@playwright/test';
import { hydrated, signIn } from './helpers';

// Tenant admins manage members and API tokens; platform admins create tenants (with their Nomad namespace in
// the simulator); other roles see what they may and no more.

test('a tenant admin creates an API token, a pipeline uses it, and revoking it stops it', async ({ page, request }) => {
  await signIn(page, 'erin', '/tenant');
  await hydrated(page);
  await expect(page.getByTestId('tenant-name')).toHaveText('Demo');
  await expect(page.getByTestId('namespace-state')).toHaveText('ready');
  await expect(page.getByTestId('your-role')).toHaveText('admin');

  const name = `ci-${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token').textContent())!.trim();
  expect(secret).toMatch(/^np_[A-Za-z0-9_-]{43}$/);
  const row = page.locator(`[data-testid="token"][data-name="${name}"]`);
  await expect(row).toContainText('developer');
  await expect(row).not.toContainText(secret);

  const headers = { authorization: `Bearer ${secret}` };
  expect((await request.get('/api/v1/tenants/demo/apps', { headers })).status()).toBe(200);
  expect((await request.get('/api/v1/me', { headers })).status()).toBe(200);

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  expect((await request.get('/api/v1/tenants/demo/apps', { headers })).status()).toBe(401);
});

test('a tenant admin invites a member by e-mail', async ({ page }) => {
  await signIn(page, 'erin', '/tenant');
  await hydrated(page);
  const email = `new-${Date.now()}@example.com`;
  await page.getByLabel('E-mail or subject').fill(email);
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByText('Invited: they join at their first sign-in.')).toBeVisible();
  await expect(page.getByTestId('invite').filter({ hasText: email })).toBeVisible();
});

test('a tenant admin renames the tenant but only reads its platform-owned settings', async ({ page }) => {
  await signIn(page, 'erin', '/tenant');
  await hydrated(page);
  const name = page.getByLabel('Display name');
  await name.fill('Demo Corp');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByText('Renamed.')).toBeVisible();
  await expect(page.getByTestId('tenant-name')).toHaveText('Demo Corp');
  // Back, so the other tests see the demo tenant as seeded.
  await page.getByLabel('Display name').fill('Demo');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByTestId('tenant-name')).toHaveText('Demo');

  // Budget, volumes, node pool, registries and host suffix are the platform's: shown, not editable.
  await expect(page.getByText('ask a platform admin to change them')).toBeVisible();
  for (const label of ['Host-name suffix', 'CPU budget (MHz)', 'Allowed host volumes', 'Node pool', 'Allowed registries']) {
    await expect(page.getByLabel(label)).toHaveAttribute('readonly', '');
  }
  await expect(page.getByRole('button', { name: 'Save platform settings' })).toHaveCount(0);
  await expect(page.getByTestId('effective-suffix')).toHaveText('demo.apps.localhost');
});

test('a platform admin sets a tenant\'s budget, and another tenant\'s host names are refused', async ({ page }) => {
  await signIn(page, 'alice', '/tenants');
  await hydrated(page);
  const slug = `s${Date.now().toString(36)}`;
  await page.getByLabel('Short name').fill(slug);
  await page.getByLabel('Display name').fill('Settings test');
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page.getByTestId('tenant-row').filter({ hasText: slug })).toContainText('ready');

  await page.goto(`/tenant?tenant=${slug}`);
  await hydrated(page);
  await expect(page.getByText('only platform admins change them')).toBeVisible();
  await page.getByLabel('CPU budget (MHz)').fill('8000');
  await page.getByLabel('Allowed host volumes').fill('shared-cache');
  await page.getByRole('button', { name: 'Save platform settings' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('CPU budget (MHz)')).toHaveValue('8000');
  await expect(page.getByLabel('Allowed host volumes')).toHaveValue('shared-cache');

  // The demo tenant's suffix, and the whole apps domain, are refused at the field; nothing changes.
  for (const taken of ['demo.apps.localhost', 'apps.localhost']) {
    await page.getByLabel('Host-name suffix').fill(taken);
    await page.getByRole('button', { name: 'Save platform settings' }).click();
    await expect(page.getByRole('alert')).toContainText('host_suffix');
  }
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Host-name suffix')).toHaveValue('');
  await expect(page.getByTestId('effective-suffix')).toHaveText(`${slug}.apps.localhost`);
});

test('a developer sees the tenant but cannot change it or see its tokens', async ({ page }) => {
  await signIn(page, 'dave', '/tenant');
  await hydrated(page);
  await expect(page.getByTestId('your-role')).toHaveText('developer');
  await expect(page.getByRole('button', { name: 'Rename' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save platform settings' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'API tokens' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Tenants', exact: true })).toHaveCount(0);
});

test('an auditor may not use the deploy page', async ({ page }) => {
  await signIn(page, 'audrey', '/deploy');
  await hydrated(page);
  await expect(page.getByRole('alert')).toContainText('you do not have permission');
});

test('a platform admin creates a tenant and its Nomad namespace', async ({ page }) => {
  await signIn(page, 'alice', '/tenants');
  await hydrated(page);
  const slug = `t${Date.now().toString(36)}`;
  await page.getByLabel('Short name').fill(slug);
  await page.getByLabel('Display name').fill('Test tenant');
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page.getByTestId('tenant-row').filter({ hasText: slug })).toContainText('ready');
  // A second one with the same name is refused with a clear message.
  await page.getByLabel('Short name').fill(slug);
  await page.getByLabel('Display name').fill('Again');
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page.getByRole('alert')).toContainText('already exists');
  // Nina, in no group, sees no tenant at all.
  await signIn(page, 'nina', '/tenant');
  await expect(page.getByRole('alert')).toContainText('not a member of any');
});
