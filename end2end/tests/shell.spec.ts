import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

// The page shell: rendered on the server, hydrated in the browser, usable without JavaScript.

async function hydrated(page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('the page hydrates: the theme switch and the tenant menu respond to clicks', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);

  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'system');
  const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await page.getByRole('button', { name: 'Dark' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(darkBackground).not.toBe(lightBackground);

  // Signed in, the tenant menu opens and closes.
  await signIn(page, 'dave', '/');
  await hydrated(page);
  const switcher = page.getByRole('button', { name: /Tenant/ });
  await expect(page.getByRole('menu')).toBeHidden();
  await switcher.click();
  await expect(switcher).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('menu')).toContainText('Demo');
  await switcher.click();
  await expect(page.getByRole('menu')).toBeHidden();
});

test('the chosen theme is remembered and rendered by the server', async ({ page, request }) => {
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Light' }).click();
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  const cookies = await page.context().cookies();
  const theme = cookies.find((c) => c.name === 'np_theme');
  expect(theme?.value).toBe('light');
  const served = await request.get('/', { headers: { cookie: 'np_theme=dark' } });
  expect(await served.text()).toContain('data-theme="dark"');
});

test('a server function answers from the hydrated page', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/get_platform_status'));
  await page.getByRole('button', { name: 'Check again' }).click();
  const response = await answer;
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.dependencies[0]).toMatchObject({ name: 'database', state: 'Ok' });
  await expect(page.locator('[data-dependency="database"]')).toContainText('reachable');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the overview renders completely on the server', async ({ page }) => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle('Overview · np');
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' })).toBeVisible();
    await expect(page.locator('[data-dependency="database"]')).toContainText('reachable');
    await expect(page.locator('[data-dependency="nomad"]')).toContainText('reachable');
    await expect(page.locator('[data-dependency="consul"]')).toContainText('reachable');
    await expect(page.locator('[data-dependency="openobserve"]')).toContainText('reachable');
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  });

  test('an unknown address shows the 404 page with status 404', async ({ page }) => {
    const response = await page.goto('/no/such/page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'There is nothing at this address' })).toBeVisible();
    await page.getByRole('link', { name: 'Back to the overview' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  });
});
