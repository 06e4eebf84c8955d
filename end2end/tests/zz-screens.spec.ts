import { expect, test } from '@playwright/test';
import { deploy, fast, hydrated, nomad, signIn, unique, deployed } from './helpers';

test.describe.configure({ timeout: 240_000 });

test('screens', async ({ page }) => {
  await signIn(page, 'dave', '/apps?tenant=demo');
  const name = unique('shot');
  const spec = { name, image: 'nginx:1.27', replicas: { count: 2, max: 4 }, ports: [{ name: 'http', port: 8080 }], routes: [{ host: `${name}.demo.apps.localhost` }], health: { type: 'http', path: '/' }, update: fast };
  await deploy(page, spec);
  await deployed(`demo-${name}`);
  await deploy(page, { ...spec, image: 'example/unhealthy:2' });
  await page.goto(`/apps/${name}?tenant=demo`);
  await hydrated(page);
  await expect(page.getByTestId('reverted')).toBeVisible({ timeout: 40_000 });
  await page.waitForTimeout(3000);
  for (const [w, h, tag] of [[1280, 900, 'desk'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`/apps/${name}?tenant=demo`); await hydrated(page); await page.waitForTimeout(800);
    await page.screenshot({ path: `/tmp/shots/app-${tag}.png`, fullPage: true });
    await page.goto(`/apps/${name}?tenant=demo&tab=versions`); await hydrated(page); await page.waitForTimeout(1500);
    await page.screenshot({ path: `/tmp/shots/versions-${tag}.png`, fullPage: true });
    await page.goto(`/apps?tenant=demo`); await hydrated(page); await page.waitForTimeout(800);
    await page.screenshot({ path: `/tmp/shots/apps-${tag}.png`, fullPage: true });
    await page.goto(`/deploy?tenant=demo&app=${name}`); await hydrated(page); await page.waitForTimeout(800);
    await page.getByLabel('Image', { exact: true }).fill('nginx:1.28');
    await page.getByTestId('plan').click(); await page.waitForTimeout(1500);
    await page.screenshot({ path: `/tmp/shots/deploy-${tag}.png`, fullPage: true });
    await page.goto(`/apps/${name}?tenant=demo&tab=services`); await hydrated(page); await page.waitForTimeout(1500);
    await page.screenshot({ path: `/tmp/shots/services-${tag}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('menu-toggle').click();
  await page.screenshot({ path: `/tmp/shots/menu-phone.png` });
  // stopped
  await page.setViewportSize({ width: 1280, height: 900 });
  await nomad(`/v1/job/demo-${name}?namespace=demo`, { method: 'DELETE' });
  await page.goto(`/apps/${name}?tenant=demo`); await hydrated(page); await page.waitForTimeout(3000);
  await page.screenshot({ path: `/tmp/shots/stopped-desk.png`, fullPage: true });
  await signIn(page, 'audrey', `/apps/${name}?tenant=demo`); await hydrated(page); await page.waitForTimeout(1000);
  await page.screenshot({ path: `/tmp/shots/auditor-app.png`, fullPage: true });
  await signIn(page, 'erin', `/audit`); await hydrated(page); await page.waitForTimeout(1000);
  await page.screenshot({ path: `/tmp/shots/audit-desk.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/tenant?tenant=demo'); await hydrated(page);
  await page.screenshot({ path: `/tmp/shots/tenant-phone.png`, fullPage: true });
});
