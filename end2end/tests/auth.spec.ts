import { expect, test } from '@playwright/test';
import { hydrated, providerFault, providerURL, signIn } from './helpers';

// Sign-in through a real OpenID provider (npm oidc-provider, run by the harness), and every way it can fail.

test.afterEach(async () => {
  await providerFault('none');
});

test('a developer signs in, sees their tenant and name, and the session is renewed at each sign-in', async ({ page, context }) => {
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByTestId('sign-in')).toBeVisible();

  await signIn(page, 'dave', '/deploy');
  await hydrated(page);
  await expect(page.getByTestId('user-name')).toHaveText('Dave Developer');
  await expect(page.getByTestId('tenant-switcher')).toContainText('demo');
  await expect(page.getByTestId('preview-status')).toBeVisible();

  const session = (await context.cookies()).find((c) => c.name === '__Host-np_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.secure).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await signIn(page, 'dave', '/', { keepCookies: true });
  const renewed = (await context.cookies()).find((c) => c.name === '__Host-np_session');
  expect(renewed?.value).not.toBe(session?.value);
  // The old session no longer works.
  await context.clearCookies();
  await context.addCookies([{ ...session!, value: session!.value }]);
  await page.goto('/deploy');
  await expect(page.getByRole('alert')).toContainText('please sign in');
});

test('signing out ends the session here and at the provider', async ({ page, context }) => {
  await signIn(page, 'dave', '/deploy');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  // The provider asks to confirm its own logout; either way the console session is gone.
  await page.goto('/deploy');
  await expect(page.getByRole('alert')).toContainText('please sign in');
  expect((await context.cookies()).find((c) => c.name === '__Host-np_session')).toBeUndefined();
});

test('a callback with the wrong state is refused', async ({ page }) => {
  await page.goto('/auth/login?next=/deploy');
  await expect(page).toHaveURL(new RegExp(`^${providerURL}/`));
  await page.goto('/auth/callback?code=forged&state=not-the-state');
  await expect(page).toHaveURL(/\/login\?error=state_mismatch/);
  await expect(page.getByTestId('sign-in-error')).toContainText('does not belong to the sign-in your browser started');
  await expect(page.getByTestId('user-name')).toHaveCount(0);
});

test('a replayed callback (code already used) is refused', async ({ page }) => {
  let callback = '';
  page.on('request', (r) => {
    if (r.url().includes('/auth/callback?')) callback = r.url();
  });
  await signIn(page, 'dave', '/');
  expect(callback).toContain('code=');
  await page.goto(callback);
  await expect(page).toHaveURL(/\/login\?error=no_attempt/);
  await expect(page.getByTestId('sign-in-error')).toContainText('expired or was already used');
});

// Before the faulty-key tests: the console refreshes the key set at most once every 30 seconds.
test('a key rotated between sign-in start and callback is fetched once and accepted', async ({ page }) => {
  await page.context().clearCookies();
  await page.goto('/auth/login?next=/deploy');
  await expect(page).toHaveURL(new RegExp(`^${providerURL}/interaction/`));
  // The console read the key set when the sign-in started; the provider now signs with a new key.
  await providerFault('rotate');
  await page.locator('button[data-account="dave"]').click();
  await expect(page).toHaveURL(/\/deploy$/);
  await expect(page.getByTestId('user-name')).toHaveText('Dave Developer');
});

for (const [fault, what] of [
  ['wrong-nonce', 'a nonce other than the one sent'],
  ['wrong-aud', 'another audience'],
  ['expired', 'an expired token'],
  ['unknown-kid', 'a key the provider does not publish'],
  ['wrong-iss', 'another issuer'],
]) {
  test(`an ID token with ${what} is refused (${fault})`, async ({ page }) => {
    await providerFault(fault);
    await page.goto('/auth/login?next=/deploy');
    await page.locator('button[data-account="dave"]').click();
    await expect(page).toHaveURL(/\/login\?error=invalid_token/);
    await expect(page.getByTestId('sign-in-error')).toContainText('could not be verified');
    await expect(page.getByTestId('user-name')).toHaveCount(0);
  });
}

test('with the provider down, sign-in shows a clear error and does not loop', async ({ page }) => {
  await providerFault('down');
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  await page.goto('/auth/login?next=/deploy');
  await expect(page).toHaveURL(/\/login\?error=provider_unreachable&next=%2Fdeploy$/);
  await expect(page.getByTestId('sign-in-error')).toContainText('cannot be reached');
  await page.waitForTimeout(1500);
  expect(page.url()).toMatch(/\/login\?error=provider_unreachable/);
  expect(navigations.length).toBeLessThanOrEqual(2);
  // It works again once the provider is back.
  await providerFault('none');
  await page.getByTestId('sign-in-start').click();
  await page.locator('button[data-account="dave"]').click();
  await expect(page).toHaveURL(/\/deploy$/);
  await expect(page.getByTestId('user-name')).toHaveText('Dave Developer');
});

test('a state-changing request from another site is refused', async ({ page, request }) => {
  await signIn(page, 'dave', '/');
  const cookies = await page.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const response = await request.post('/auth/logout', {
    headers: { cookie, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(403);
  // Still signed in.
  await page.goto('/');
  await expect(page.getByTestId('user-name')).toHaveText('Dave Developer');
});

test('after sign-in the console only redirects to its own pages', async ({ page }) => {
  // The provider remembers the browser, so the second sign-in comes straight back.
  await signIn(page, 'dave', '/', { keepCookies: true });
  await page.goto(`/auth/login?next=${encodeURIComponent('//evil.example/phish')}`);
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
});
