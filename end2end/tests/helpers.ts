import { expect, Page } from '@playwright/test';

// Shared steps of the browser tests.

export const providerURL = `http://127.0.0.1:${Number(process.env.NP_E2E_PORT ?? 3100) + 1}`;

export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

// Signs in through the local OpenID provider as `account` (see scripts/oidc-provider.mjs), starting from
// `next`; ends on `next` with the session cookie set.
// Cookies are cleared first (so the provider asks who to be) unless `keepCookies`; when the provider still has
// a session for this browser it answers at once, without its login page.
export async function signIn(page: Page, account: string, next = '/', { keepCookies = false } = {}) {
  if (!keepCookies) await page.context().clearCookies();
  await page.goto(`/auth/login?next=${encodeURIComponent(next)}`);
  if (page.url().startsWith(`${providerURL}/interaction/`)) {
    await page.locator(`button[data-account="${account}"]`).click();
  }
  await expect(page).toHaveURL((url) => url.origin !== providerURL && url.pathname === next.split('?')[0]);
}

// Sets the provider's fault mode (none, wrong-aud, expired, unknown-kid, wrong-nonce, wrong-iss, down).
export async function providerFault(mode: string) {
  const response = await fetch(`${providerURL}/__test/fault`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode }),
  });
  expect(response.ok).toBe(true);
}
