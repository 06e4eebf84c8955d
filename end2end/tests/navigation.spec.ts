import { expect, Page, test } from '@playwright/test';
import { deploy, fast, hydrated, signIn, unique, watchForErrors, nav } from './helpers';

// Moving around the console as a person does: the chosen tenant is kept by every link and remembered; a
// platform admin with no membership can open any tenant; each role's menu offers what it may use; exports
// download when clicked; leaving the deploy page while it works breaks nothing.

// A second tenant with Dave in it as a developer (made once, through the API, by the platform admin), and
// taken away again so that later tests find Dave in demo alone.
async function leaveSecondTenant(page: Page) {
  await signIn(page, 'alice', '/');
  const origin = new URL(page.url()).origin;
  const list = await (await page.request.get('/api/v1/tenants/acme/members')).json();
  for (const m of list.members.filter((m: { email?: string }) => m.email === 'dave@example.com')) {
    const gone = await page.request.delete(`/api/v1/tenants/acme/members/${m.user_id}`, { headers: { origin } });
    expect(gone.status(), await gone.text()).toBeLessThan(300);
  }
}

async function secondTenant(page: Page) {
  await signIn(page, 'alice', '/');
  const origin = new URL(page.url()).origin;
  const headers = { 'content-type': 'application/json', origin };
  const created = await page.request.post('/api/v1/tenants', {
    data: JSON.stringify({ slug: 'acme', display_name: 'Acme' }),
    headers,
  });
  expect([201, 409], await created.text()).toContain(created.status());
  const added = await page.request.post('/api/v1/tenants/acme/members', {
    data: JSON.stringify({ member: 'dave@example.com', role: 'developer' }),
    headers,
  });
  expect([200, 201, 409], await added.text()).toContain(added.status());
}

test('the chosen tenant is kept by every menu link, named on every page, and remembered', async ({ page }) => {
  await secondTenant(page);
  await signIn(page, 'dave', '/apps');
  await hydrated(page);
  // Dave chooses demo in the switcher.
  await page.getByTestId('tenant-switcher').click();
  await page.getByRole('menuitem', { name: /Demo/ }).click();
  await expect(page).toHaveURL(/\/apps\?tenant=demo/);
  await expect(page.getByTestId('apps-heading')).toHaveText('Apps in demo');
  await expect(page.getByTestId('current-tenant')).toHaveText('demo');

  for (const [link, check] of [
    ['Deploy', async () => expect(page.getByTestId('deploy-tenant')).toHaveText('Deploying to tenant demo.')],
    ['Tenant', async () => expect(page.getByTestId('tenant-name')).toHaveText('Demo')],
    ['Apps', async () => expect(page.getByTestId('apps-heading')).toHaveText('Apps in demo')],
  ] as const) {
    await nav(page, link).click();
    await expect(page).toHaveURL(/tenant=demo/);
    await check();
  }
  // Switching to acme carries on in acme.
  await page.getByTestId('tenant-switcher').click();
  await page.getByRole('menuitem', { name: /Acme/ }).click();
  await expect(page.getByTestId('apps-heading')).toHaveText('Apps in acme');
  await nav(page, 'Deploy').click();
  await expect(page.getByTestId('deploy-tenant')).toHaveText('Deploying to tenant acme.');
  // An address without a tenant opens the one chosen last, even in a new visit.
  await page.goto('/apps');
  await hydrated(page);
  await expect(page.getByTestId('apps-heading')).toHaveText('Apps in acme');
  await page.goto('/apps?tenant=demo');
  await hydrated(page);
  await page.goto('/deploy');
  await hydrated(page);
  await expect(page.getByTestId('deploy-tenant')).toHaveText('Deploying to tenant demo.');
  await leaveSecondTenant(page);
});

test('a platform admin who is in no tenant opens any tenant without an error', async ({ page }) => {
  const errors = watchForErrors(page);
  const failures: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 500) failures.push(`${r.status()} ${r.url()}`);
  });
  await signIn(page, 'alice', '/apps');
  await hydrated(page);
  await expect(page.getByTestId('apps-heading')).toHaveText(/^Apps in /);
  await page.goto('/apps?tenant=demo');
  await hydrated(page);
  await expect(page.getByTestId('apps-heading')).toHaveText('Apps in demo');
  await nav(page, 'Deploy').click();
  await expect(page.getByTestId('deploy-tenant')).toHaveText('Deploying to tenant demo.');
  expect(failures).toEqual([]);
  expect(errors).toEqual([]);
});

test('each role sees only the menu entries it can use', async ({ page }) => {
  await signIn(page, 'audrey', '/apps');
  await hydrated(page);
  await expect(nav(page, 'Apps')).toBeVisible();
  await expect(nav(page, 'Audit')).toBeVisible();
  await expect(nav(page, 'Deploy')).toHaveCount(0);
  await signIn(page, 'dave', '/apps');
  await hydrated(page);
  await expect(nav(page, 'Deploy')).toBeVisible();
  await expect(nav(page, 'Audit')).toHaveCount(0);
});

test('clicking Export CSV and Export NDJSON downloads the files', async ({ page }) => {
  await signIn(page, 'erin', '/audit');
  await hydrated(page);
  for (const [button, first] of [
    ['export-csv', /^seq,/],
    ['export-ndjson', /^\{"seq":/],
  ] as const) {
    const download = page.waitForEvent('download');
    await page.getByTestId(button).click();
    const file = await download;
    const text = await (await file.createReadStream()).toArray();
    expect(Buffer.concat(text).toString('utf8')).toMatch(first);
    // Still on the audit page: the click did not become a navigation.
    await expect(page).toHaveURL(/\/audit/);
    await expect(page.getByTestId('audit-table')).toBeVisible();
  }
});

test('leaving the deploy page right after opening it or typing breaks nothing', async ({ page }) => {
  const errors = watchForErrors(page);
  await signIn(page, 'dave', '/deploy?tenant=demo');
  await hydrated(page);
  for (let i = 0; i < 3; i++) {
    await page.goto('/deploy?tenant=demo');
    await hydrated(page);
    await page.getByRole('tab', { name: 'np.yaml / OAM / spec' }).click();
    await page.getByLabel('Document').fill(`name: quick${i}\nimage: nginx:1.27\n`);
    // Away within the check's 300 ms pause.
    await nav(page, 'Apps').click();
    await expect(page.getByTestId('apps-heading')).toBeVisible();
    await page.waitForTimeout(600);
  }
  expect(errors).toEqual([]);
});

test('the np.yaml tab reads a chosen file and a dropped one', async ({ page }) => {
  await signIn(page, 'dave', '/deploy?tenant=demo');
  await hydrated(page);
  await page.getByRole('tab', { name: 'np.yaml / OAM / spec' }).click();
  const name = unique('fp');
  await page.getByTestId('document-file').setInputFiles({
    name: 'np.yaml',
    mimeType: 'text/yaml',
    buffer: Buffer.from(`version: 1\nservices:\n  - name: ${name}\n    source: docker.io/library/nginx:1.27\n    port: 8080\n`),
  });
  await expect(page.getByTestId('document-file-name')).toHaveText('Read np.yaml.');
  await expect(page.getByLabel('Document')).toHaveValue(new RegExp(`name: ${name}`));
  await expect(page.getByTestId('preview-status')).toContainText(`demo--${name}`);

  // Dropped on the editor.
  const dropped = unique('dr');
  const transfer = await page.evaluateHandle((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'app.json', { type: 'application/json' }));
    return data;
  }, JSON.stringify({ name: dropped, image: 'nginx:1.27' }));
  await page.getByLabel('Document').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByTestId('document-file-name')).toHaveText('Read app.json.');
  await expect(page.getByLabel('Document')).toHaveValue(new RegExp(dropped));
});

test('the plan says what changes in the app’s own terms first', async ({ page }) => {
  await signIn(page, 'dave', '/apps');
  const name = unique('pl');
  await deploy(page, { name, image: 'nginx:1.27', update: { ...fast, canaries: 1 }, routes: [{ host: `${name}.demo.apps.localhost` }], ports: [{ name: 'http', port: 8080 }] });
  await page.goto(`/deploy?tenant=demo&app=${name}`);
  await hydrated(page);
  await page.getByLabel('Image', { exact: true }).fill('nginx:1.28');
  await page.getByTestId('plan').click();
  const change = page.getByTestId('plan-change').filter({ hasText: 'nginx:1.28' });
  await expect(change).toContainText('image: docker.io/library/nginx:1.27 → docker.io/library/nginx:1.28');
  await expect(change).toContainText('Nomad: group');
  // Nothing in the plan is wider than its card.
  const overflow = await page.getByTestId('plan-result').evaluate((el) => el.scrollWidth > el.clientWidth + 1);
  expect(overflow).toBe(false);
});
