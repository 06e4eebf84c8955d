import { expect, Page, test } from '@playwright/test';
import { deploy, fast, hydrated, signIn, unique, nav } from './helpers';

// Every page, as every role: no server error (a 5xx on the page or on anything it asks for), no panic or
// error in the browser; and at a phone's width (390 px) no page scrolls sideways.

test.describe.configure({ timeout: 240_000 });

const app = unique('walk');

function routes() {
  return [
    '/',
    '/apps',
    '/apps?tenant=demo',
    `/apps/${app}?tenant=demo`,
    `/apps/${app}?tenant=demo&tab=versions`,
    `/apps/${app}?tenant=demo&tab=logs`,
    `/apps/${app}?tenant=demo&tab=metrics`,
    `/apps/${app}?tenant=demo&tab=services`,
    '/apps/no-such-app?tenant=demo',
    '/apps?tenant=Not%20A%20Tenant!',
    '/apps?tenant=nosuch',
    '/deploy',
    `/deploy?tenant=demo&app=${app}`,
    '/deploy?tenant=BAD!',
    '/tenant',
    '/tenants',
    '/audit',
    '/audit/1',
    '/audit/999999999',
    '/login',
    '/no-such-page',
  ];
}

// Visits `path` and returns what went wrong.
async function visit(page: Page, path: string): Promise<string[]> {
  const problems: string[] = [];
  const onResponse = (r: { status(): number; url(): string }) => {
    if (r.status() >= 500) problems.push(`${path}: ${r.status()} from ${r.url()}`);
  };
  const onError = (e: Error) => problems.push(`${path}: page error ${e.message}`);
  const onConsole = (m: { type(): string; text(): string }) => {
    // The browser reports a page's own 4xx (a 404 page, a refused request) as a console error: that is the
    // answer the console means to give. Anything else is a defect.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`${path}: console ${m.text()}`);
  };
  page.on('response', onResponse);
  page.on('pageerror', onError);
  page.on('console', onConsole);
  const response = await page.goto(path);
  if ((response?.status() ?? 0) >= 500) problems.push(`${path}: the page answered ${response?.status()}`);
  await hydrated(page);
  // Let the page's own requests and streams start and settle.
  await page.waitForTimeout(700);
  page.off('response', onResponse);
  page.off('pageerror', onError);
  page.off('console', onConsole);
  return problems;
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signIn(page, 'dave', '/apps');
  await deploy(page, { name: app, image: 'nginx:1.27', ports: [{ name: 'http', port: 8080 }], update: fast });
  await page.close();
});

for (const account of ['dave', 'erin', 'audrey', 'alice', 'paul', 'nina']) {
  test(`every page as ${account}: no server error, no browser error`, async ({ page }) => {
    await signIn(page, account, '/');
    const problems: string[] = [];
    for (const path of routes()) problems.push(...(await visit(page, path)));
    expect(problems).toEqual([]);
  });
}

test('a platform admin who is also a tenant member walks every page without an error', async ({ page }) => {
  // Erin makes Alice a developer of demo.
  await signIn(page, 'erin', '/tenant');
  const added = await page.request.post('/api/v1/tenants/demo/members', {
    data: JSON.stringify({ member: 'alice@example.com', role: 'developer' }),
    headers: { 'content-type': 'application/json', origin: new URL(page.url()).origin },
  });
  expect([200, 201, 409], await added.text()).toContain(added.status());
  await signIn(page, 'alice', '/');
  const problems: string[] = [];
  for (const path of routes()) problems.push(...(await visit(page, path)));
  expect(problems).toEqual([]);
});

test('at a phone’s width every main page fits and the menu folds away', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'erin', '/');
  for (const path of [
    '/',
    '/apps?tenant=demo',
    `/apps/${app}?tenant=demo`,
    `/apps/${app}?tenant=demo&tab=versions`,
    `/apps/${app}?tenant=demo&tab=services`,
    '/deploy?tenant=demo',
    '/tenant?tenant=demo',
    '/audit',
  ]) {
    await page.goto(path);
    await hydrated(page);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(wide, `${path} scrolls sideways by ${wide} px`).toBeLessThanOrEqual(0);
  }
  // The menu is behind a button; opening it shows the links.
  await expect(nav(page, 'Apps')).toBeHidden();
  await page.getByTestId('menu-toggle').click();
  await expect(nav(page, 'Apps')).toBeVisible();
  await nav(page, 'Apps').click();
  await expect(page.getByTestId('apps-heading')).toBeVisible();
  await expect(nav(page, 'Deploy')).toBeHidden();
});
