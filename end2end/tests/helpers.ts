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

// The simulator's Nomad API, as the `nomad` CLI or another tool would use it behind the console's back.
export const nomadURL = `http://127.0.0.1:${Number(process.env.NP_E2E_PORT ?? 3100) + 2}`;
export const openObserveURL = `http://127.0.0.1:${Number(process.env.NP_E2E_PORT ?? 3100) + 4}`;

export async function nomad(path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${nomadURL}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Nomad ${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A short name for a test's app.
export function unique(prefix: string) {
  return `${prefix}${Date.now().toString(36).slice(-6)}`;
}

// Fast rollouts: the simulator's clock runs at a quarter of real time.
export const fast = { min_healthy_time: '2s', healthy_deadline: '8s', progress_deadline: '20s' };

// Deploys a spec through the API with the page's session (as the browser would, same origin).
export async function deploy(page: Page, spec: object, tenant = 'demo') {
  const response = await page.request.post(`/api/v1/tenants/${tenant}/apps?format=spec`, {
    data: JSON.stringify(spec),
    headers: { 'content-type': 'application/json', origin: new URL(page.url()).origin },
  });
  expect(response.status(), await response.text()).toBe(201);
}

// Opens an app's page and waits for it to answer clicks.
export async function openApp(page: Page, name: string, tab?: string) {
  await page.goto(`/apps/${name}?tenant=demo${tab ? `&tab=${tab}` : ''}`);
  await hydrated(page);
}

// Fails the test on anything the browser reports as an error: a panic, an uncaught exception, a console
// error. Returns the list, to assert on it explicitly at the end.
export function watchForErrors(page: Page) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  return errors;
}

// Waits until the job's latest deployment is successful, as Nomad reports it.
export async function deployed(job: string, namespace = 'demo') {
  await expect
    .poll(async () => (await nomad(`/v1/job/${job}/deployment?namespace=${namespace}`))?.Status, { timeout: 30_000 })
    .toBe('successful');
}

// A link of the main menu.
export function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}
