import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hydrated, signIn } from './helpers';

// The auditor pages over a log of more than 100,000 records: pages newest first, filters, a record's detail,
// exports of the filtered set, the chain verifier, and a tenant auditor's narrower view.

const seed = fileURLToPath(new URL('../fixtures/seed-audit.sql', import.meta.url));

test.beforeAll(() => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL names the console database');
  const count = execFileSync('psql', ['-qtAX', url, '-c', "SELECT count(*) FROM audit_events WHERE target = 'needle'"])
    .toString()
    .trim();
  if (count === '0') execFileSync('psql', ['-qX', url, '-v', 'ON_ERROR_STOP=1', '-f', seed]);
});

test.describe.configure({ timeout: 60_000 });

test('a platform auditor pages, filters and opens records of a large log', async ({ page }) => {
  await signIn(page, 'paul', '/audit');
  await hydrated(page);
  const rows = page.getByTestId('audit-row');
  await expect(rows).toHaveCount(50);
  const seqOf = async (i: number) => Number(await rows.nth(i).locator('td').first().innerText());
  const first = await seqOf(0);
  expect(first).toBeGreaterThan(100_000);
  expect(await seqOf(1)).toBeLessThan(first);

  // Older: the next page starts below the last one.
  const last = await seqOf(49);
  await page.getByTestId('older').click();
  await expect(page).toHaveURL(new RegExp(`before=${last}`));
  await expect(rows.first()).not.toContainText(String(first));
  expect(await seqOf(0)).toBe(last - 1);

  // Filters live in the address.
  await page.goto('/audit');
  await page.locator('input[name="text"]').fill('needle');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/text=needle/);
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('app.restart');
  await expect(rows.nth(1)).toContainText('intent');

  await page.goto('/audit?outcome=failure&action=app&tenant=umbrella');
  await expect(rows).toHaveCount(50);
  for (const text of await rows.allInnerTexts()) {
    expect(text).toContain('umbrella');
    expect(text).toMatch(/app\.(scale|restart)/);
    expect(text).toContain('failure');
  }
  await page.goto('/audit?from=yesterday');
  await expect(page.getByText('is not a time')).toBeVisible();

  // A record: its fields, its intent, and its hash.
  await page.goto('/audit?text=needle');
  await rows.first().locator('a').first().click();
  await expect(page.getByTestId('record-title')).toContainText('app.restart');
  await expect(page.getByText('Seeded User 17 (user)')).toBeVisible();
  await expect(page.getByTestId('related').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('details')).toContainText('"n": 777');

  // Export of the filtered set.
  await page.goto('/audit?text=needle');
  const href = await page.getByTestId('export-csv').getAttribute('href');
  expect(href).toContain('format=csv&text=needle');
  const csv = await (await page.request.get(href!)).text();
  const lines = csv.trimEnd().split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^seq,occurred_at,phase,outcome,tenant,/);
  const ndjson = await (await page.request.get((await page.getByTestId('export-ndjson').getAttribute('href'))!)).text();
  const records = ndjson.trim().split('\n').map((l) => JSON.parse(l));
  expect(records.map((r) => r.target)).toEqual(['needle', 'needle']);
  expect(records[1].prev_hash).toHaveLength(64);
});

test('the chain verifies from the browser', async ({ page }) => {
  await signIn(page, 'paul', '/audit');
  await hydrated(page);
  await page.getByTestId('verify').click();
  await expect(page.getByTestId('verify-result')).toContainText(/Intact: \d{6,} records/, { timeout: 45_000 });
});

test('a tenant auditor sees only their tenant, and developers no log at all', async ({ page }) => {
  await signIn(page, 'audrey', '/audit');
  await hydrated(page);
  const rows = page.getByTestId('audit-row');
  await expect(rows).toHaveCount(50);
  for (const text of await rows.allInnerTexts()) expect(text).toContain('demo');
  await page.goto('/audit?tenant=umbrella');
  await expect(page.getByTestId('no-records')).toBeVisible();
  // Another tenant's record by number: not found.
  const url = process.env.DATABASE_URL!;
  const theirs = execFileSync('psql', ['-qtAX', url, '-c', "SELECT min(seq) FROM audit_events WHERE tenant = 'umbrella'"])
    .toString()
    .trim();
  await page.goto(`/audit/${theirs}`);
  await expect(page.getByText('audit record not found')).toBeVisible();

  await signIn(page, 'dave', '/audit');
  await expect(page.getByText('Not allowed')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Audit', exact: true })).toHaveCount(0);
});
