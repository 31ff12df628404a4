/// <reference lib="dom" />
/// <reference lib="webworker" />
/**
 * The dashboard in a real browser (Debian chromium, headless) against the running system with the demo
 * camera: log in, live video moves, detection boxes over pedestrians, a zone rule drawn in the editor
 * raises an alert that shows up in the feed, and the operator acknowledges it. Screenshots go to
 * tests/artifacts/browser/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { startSystem } from '../lib/system.ts';
import { apiClient, launchBrowser, shot } from './browser.ts';

const ROOT = resolve(import.meta.dirname, '../..');
type Api = Awaited<ReturnType<typeof apiClient>>;
type AlertRow = {
  id: string;
  cameraId: string;
  ruleId: string;
  status: string;
  capturedAt: number | null;
  openedAt: number;
};

/** Mean absolute difference (0..255) between two RGBA pixel arrays sampled from the live canvas. */
function meanAbsDiff(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Every 4th pixel's RGB of the live canvas (2D renderer: readable with getImageData). */
const canvasSample = (page: Page, cameraId: string) =>
  page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(
      `[data-camera="${id}"] canvas[data-testid=live-canvas]`,
    );
    if (!canvas || canvas.width === 0) return null;
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const out: number[] = [];
    for (let i = 0; i < data.length; i += 16) out.push(data[i]!, data[i + 1]!, data[i + 2]!);
    return out;
  }, cameraId);

describe('dashboard in chromium against the running system', { timeout: 240_000 }, () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let api: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const cameraId = `browser-${randomBytes(3).toString('hex')}`;
  let ruleId = '';
  let alert: AlertRow | undefined;

  before(async () => {
    // The gateway serves the files that exist when it starts: build first.
    await promisify(execFile)('npm', ['run', 'build', '-w', 'dashboard'], { cwd: ROOT, timeout: 120_000 });
    system = await startSystem({ services: ['gateway', 'alerts', 'inference', 'ingest', 'assistant'] });
    api = await apiClient(system.gatewayUrl, 'admin', system.adminPassword);
    await api.post('/cameras', {
      id: cameraId,
      name: 'Demo street',
      url: system.demoCameraUrl,
      tags: system.cameraTags,
      detectFps: 5,
    });
    browser = await launchBrowser();
    page = browser.page;
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  // The page as each step left it (a failing step's screen is the one to look at).
  let step = 0;
  afterEach(async (t) => {
    step++;
    const name = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
    await page
      ?.screenshot({
        path: resolve(ROOT, `tests/artifacts/browser/after-${String(step).padStart(2, '0')}-${name}.png`),
      })
      .catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('logs in through the form and lands on the camera wall', async () => {
    await page.goto(`${system.gatewayUrl}/`);
    await page.waitForSelector('form[aria-label="Log in"]');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]:has-text("Wrong username or password")');
    await page.fill('input[name=password]', system.adminPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector(`[data-testid=camera-tile][data-camera="${cameraId}"]`, { timeout: 15_000 });
    assert.match((await page.locator('.user-name').textContent()) ?? '', /admin/);
    // Role-aware navigation: an admin sees the admin-only entries.
    assert.equal(await page.locator('nav a[href="/admin/cameras"]').count(), 1);
    await shot(page, '01-wall-after-login');
  });

  it('shows moving video in the camera tile (pixels change between two screenshots)', async () => {
    const tile = page.locator(`[data-testid=camera-tile][data-camera="${cameraId}"]`);
    // The player reports 'playing' once JSMpeg decoded pictures (and keeps checking for stalls).
    await page.waitForSelector(`[data-testid=camera-tile][data-camera="${cameraId}"][data-player=playing]`, {
      timeout: 60_000,
    });
    const first = await canvasSample(page, cameraId);
    assert.ok(first, 'the live canvas holds a decoded picture');
    const shotA = await tile
      .locator('canvas')
      .screenshot({ path: resolve(ROOT, 'tests/artifacts/browser/02-video-a.png') });
    // People walk through the demo scene: within a few seconds the picture must change.
    let diff = 0;
    let shotB = shotA;
    for (let i = 0; i < 10 && diff <= 0.5; i++) {
      await page.waitForTimeout(1000);
      const next = await canvasSample(page, cameraId);
      assert.ok(next);
      diff = meanAbsDiff(first, next);
      shotB = await tile
        .locator('canvas')
        .screenshot({ path: resolve(ROOT, 'tests/artifacts/browser/02-video-b.png') });
    }
    assert.ok(diff > 0.5, `the picture changed (mean abs diff ${diff.toFixed(2)})`);
    assert.notDeepEqual(shotA, shotB, 'the two screenshots differ');
    assert.equal(await tile.getAttribute('data-state'), 'ok', 'the badge says streaming');
  });

  it('draws detection boxes over the pedestrians', async () => {
    const box = page.locator(`[data-camera="${cameraId}"] [data-testid=det-box][data-label=person]`).first();
    await box.waitFor({ timeout: 90_000 });
    const geometry = await page.evaluate((id) => {
      const canvas = document.querySelector(`[data-camera="${id}"] canvas`)!.getBoundingClientRect();
      const rect = document
        .querySelector(`[data-camera="${id}"] [data-label=person] rect`)!
        .getBoundingClientRect();
      return { canvas: canvas.toJSON(), rect: rect.toJSON() };
    }, cameraId);
    await shot(page, '03-detections');
    const { canvas, rect } = geometry;
    assert.ok(rect.width > 2 && rect.height > 4, 'the box has a size');
    assert.ok(rect.height > rect.width * 0.8, 'a standing person is taller than wide');
    assert.ok(
      rect.left >= canvas.left - 1 && rect.right <= canvas.right + 1,
      'box inside the picture horizontally',
    );
    assert.ok(
      rect.top >= canvas.top - 1 && rect.bottom <= canvas.bottom + 1,
      'box inside the picture vertically',
    );
  });

  it('creates a zone and a rule in the editor, with inline validation', async () => {
    await page.goto(`${system.gatewayUrl}/rules/new?camera=${cameraId}`);
    await page.waitForSelector('[data-testid=snapshot-overlay]');
    // Draw once the snapshot is in: its size decides where a click lands.
    await page.waitForSelector('.snapshot[data-ready=true]', { timeout: 30_000 });
    await page.click('[data-testid=new-zone]');
    const surface = page.locator('[data-testid=snapshot-overlay]');
    const bb = (await surface.boundingBox())!;
    // The snapshot is shown with object-fit: contain; click near the picture's corners (the editor maps
    // through the content rectangle, so clicks in the bars are clamped or ignored).
    const aspect = await page.evaluate(() => {
      const img = document.querySelector<HTMLImageElement>('.snapshot img');
      return img?.naturalWidth ? img.naturalWidth / img.naturalHeight : 16 / 9;
    });
    const picW = Math.min(bb.width, bb.height * aspect);
    const picH = picW / aspect;
    const x0 = bb.x + (bb.width - picW) / 2;
    const y0 = bb.y + (bb.height - picH) / 2;
    const at = (fx: number, fy: number) => page.mouse.click(x0 + fx * picW, y0 + fy * picH);
    await at(0.02, 0.02);
    await at(0.98, 0.02);
    await page.fill('input[name=zoneName]', 'Walkway');
    await page.click('[data-testid=save-zone]');
    await page.waitForSelector('.field-error[data-path=polygon]:has-text("click at least 1 more point")');
    await at(0.98, 0.98);
    await at(0.02, 0.98);
    await page.click('[data-testid=save-zone]');
    await page.waitForSelector('.field-error[data-path=polygon]:has-text("close the polygon")');
    await at(0.02, 0.02); // back on the first point: closes
    await page.click('[data-testid=save-zone]');
    await page.waitForSelector('[data-testid=zone-form]', { state: 'detached' });
    await shot(page, '04-zone-drawn');

    await page.fill('input[name=ruleName]', 'Person on the walkway');
    await page.fill('input[name=cooldownSeconds]', '-5');
    await page.waitForSelector('.field-error[data-path=cooldownSeconds]');
    assert.match(
      (await page.locator('.field-error[data-path=cooldownSeconds]').textContent()) ?? '',
      />=0|0/,
    );
    await shot(page, '05-rule-inline-error');
    await page.fill('input[name=cooldownSeconds]', '30');
    assert.equal(await page.locator('.field-error[data-path=cooldownSeconds]').count(), 0);
    assert.notEqual(await page.locator('select[name=zoneId]').inputValue(), '', 'the new zone was picked');
    await page.click('[data-testid=save-rule]');
    await page.waitForURL(/\/rules\/rule-/, { timeout: 15_000 });
    ruleId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const rule = await api.get<{
      cameraIds: string[];
      condition: { type: string; zoneId: string };
      enabled: boolean;
    }>(`/rules/${encodeURIComponent(ruleId)}`);
    assert.deepEqual(rule.cameraIds, [cameraId]);
    assert.equal(rule.condition.type, 'enter');
    assert.equal(rule.enabled, true);
    await shot(page, '06-rule-saved');
  });

  it('shows the alert in the feed within 10 s of the person entering the zone', async () => {
    await page.goto(`${system.gatewayUrl}/alerts`);
    await page.waitForSelector('[data-testid=alert-feed]', { state: 'attached' });
    // Note when each alert first shows up in the feed (the page's clock is this machine's clock).
    // (a string: tsx would wrap named functions in a __name helper the page does not have)
    await page.evaluate(`(() => {
      const seen = (window.__seen = {});
      const note = () => {
        for (const el of document.querySelectorAll('[data-testid=alert-item]')) seen[el.dataset.alert] ??= Date.now();
      };
      note();
      new MutationObserver(note).observe(document.body, { childList: true, subtree: true });
    })()`);
    // This system's alert (other stacks on the same NATS may relay their own copies): the one stored here.
    const deadline = Date.now() + 90_000;
    while (!alert && Date.now() < deadline) {
      const list = await api.get<{ items: AlertRow[] }>(`/alerts?cameraId=${cameraId}&limit=20`);
      alert = list.items.find((a) => a.ruleId === ruleId);
      if (!alert) await page.waitForTimeout(300);
    }
    assert.ok(alert, 'the rule opened an alert within 90 s');
    const item = page.locator(`[data-testid=alert-item][data-alert="${alert.id}"]`);
    await item.waitFor({ timeout: 10_000 });
    const seenAt = await page.evaluate(
      (id) => (window as unknown as { __seen: Record<string, number> }).__seen[id]!,
      alert.id,
    );
    assert.equal(alert.ruleId, ruleId);
    assert.ok(alert.capturedAt, 'the alert carries the capture time of the frame that fired it');
    const latency = seenAt - alert.capturedAt;
    assert.ok(latency <= 10_000, `alert shown ${latency} ms after the frame where the person entered`);
    await shot(page, '07-alert-in-feed');
  });

  it('acknowledges the alert from the feed', async () => {
    assert.ok(alert);
    const item = page.locator(`[data-testid=alert-item][data-alert="${alert.id}"]`);
    await item.locator('button:has-text("Acknowledge")').click();
    await page.waitForSelector(
      `[data-testid=alert-item][data-alert="${alert.id}"][data-status=acknowledged]`,
      {
        timeout: 10_000,
      },
    );
    const after = await api.get<AlertRow>(`/alerts/${encodeURIComponent(alert.id)}`);
    assert.equal(after.status, 'acknowledged');
    await page.goto(`${system.gatewayUrl}/alerts/${encodeURIComponent(alert.id)}`);
    await page.waitForSelector('[data-testid=alert-detail][data-status=acknowledged]');
    assert.match((await page.locator('[data-testid=alert-timeline]').textContent()) ?? '', /acknowledged/);
    await shot(page, '08-alert-detail');
  });

  it('draws the zone over the live picture in the focus view', async () => {
    await page.goto(`${system.gatewayUrl}/camera/${cameraId}`);
    await page.waitForSelector(`[data-camera="${cameraId}"] [data-testid=overlay] [data-zone]`, {
      timeout: 15_000,
    });
    await page.waitForSelector(`[data-camera="${cameraId}"][data-state=ok]`, { timeout: 30_000 });
    await shot(page, '09-focus-view');
  });

  it('tests the camera connection from the camera admin page', async () => {
    await page.goto(`${system.gatewayUrl}/admin/cameras/${cameraId}`);
    await page.waitForSelector('[data-testid=test-connection]:not([disabled])');
    await page.click('[data-testid=test-connection]');
    const result = page.locator('[data-testid=test-result]');
    await result.waitFor({ timeout: 30_000 });
    assert.equal(await result.getAttribute('class'), 'test-result ok', (await result.textContent()) ?? '');
    assert.match((await result.textContent()) ?? '', /h264.*\d+×\d+/);
    await shot(page, '10-camera-test-connection');
  });

  it('charts the detections per class from the rollup in the history page', async () => {
    const deadline = Date.now() + 60_000;
    let found = false;
    while (!found && Date.now() < deadline) {
      await page.goto(`${system.gatewayUrl}/history`);
      await page.selectOption('select[aria-label=Camera]', cameraId);
      found = await page
        .waitForSelector('[data-testid=history-chart] path[data-series=person]', { timeout: 5_000 })
        .then(() => true)
        .catch(() => false);
    }
    assert.ok(found, 'a person series appears for the camera');
    const legend = (await page.locator('.legend').textContent()) ?? '';
    assert.match(legend, /person \((\d+)\)/);
    assert.ok(Number(/person \((\d+)\)/.exec(legend)![1]) > 0);
    await shot(page, '11-history', true);
  });

  it('is a PWA: manifest served, service worker registered at /', async () => {
    const pwa = await page.evaluate(async () => {
      const reg = await Promise.race([
        navigator.serviceWorker.ready,
        new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
      ]);
      const manifest = await (await fetch('/manifest.webmanifest')).json();
      return {
        scope: reg?.scope ?? null,
        name: manifest.name as string,
        icons: (manifest.icons as unknown[]).length,
      };
    });
    assert.equal(pwa.scope, `${system.gatewayUrl}/`);
    assert.match(pwa.name, /Sentinel/);
    assert.ok(pwa.icons >= 2);
    await page.goto(`${system.gatewayUrl}/settings`);
    await page.waitForSelector('[data-testid=enable-notifications]');
    await shot(page, '12-settings');
  });

  it('shows a pushed alert as a notification whose click opens the alert', async () => {
    assert.ok(alert);
    const origin = system.gatewayUrl;
    await browser.context.grantPermissions(['notifications'], { origin });
    await page.goto(`${origin}/settings`);
    const cdp = await browser.context.newCDPSession(page);
    const registrationId = new Promise<string>((res) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
        const reg = e.registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted);
        if (reg) res(reg.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const regId = await registrationId;
    // A payload as the alerts notifier builds it (absolute deep link on its public base URL). Delivery to
    // a worker that is still starting can be lost, so deliver again (same tag: one notification) if needed.
    const data = JSON.stringify({
      title: 'Alert: Person on the walkway',
      body: `person entered Walkway (camera ${cameraId})`,
      alertId: alert.id,
      url: `${origin}/alerts/${encodeURIComponent(alert.id)}`,
    });
    let shown: { title: string; url: string }[] = [];
    for (let attempt = 0; attempt < 4 && shown.length === 0; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: regId, data });
      const deadline = Date.now() + 3_000;
      while (shown.length === 0 && Date.now() < deadline) {
        shown = await page.evaluate(async () =>
          (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
            title: n.title,
            url: (n.data as { url: string }).url,
          })),
        );
        if (shown.length === 0) await page.waitForTimeout(200);
      }
    }
    assert.deepEqual(shown, [
      { title: 'Alert: Person on the walkway', url: `/alerts/${encodeURIComponent(alert.id)}` },
    ]);
    // Click it (the worker receives a notificationclick for the shown notification).
    const worker = browser.context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
    assert.ok(worker, 'the service worker runs');
    await worker.evaluate(async () => {
      const sw = self as unknown as ServiceWorkerGlobalScope;
      const [n] = await sw.registration.getNotifications();
      sw.dispatchEvent(new NotificationEvent('notificationclick', { notification: n! }));
    });
    await page.waitForURL(`${origin}/alerts/${encodeURIComponent(alert.id)}`, { timeout: 10_000 });
    await page.waitForSelector('[data-testid=alert-detail]');
    await cdp.detach();
  });

  it('shows a viewer no admin entries and no alert actions', async () => {
    await api.post('/users', { username: 'viewer1', password: 'viewer-password-1', role: 'viewer' });
    const viewer = await launchBrowser();
    try {
      const p = viewer.page;
      await p.goto(`${system.gatewayUrl}/alerts`);
      await p.fill('input[name=username]', 'viewer1');
      await p.fill('input[name=password]', 'viewer-password-1');
      await p.click('button[type=submit]');
      await p.waitForURL(/\/alerts$/);
      await p.waitForSelector(`[data-testid=alert-item][data-camera="${cameraId}"]`, { timeout: 15_000 });
      assert.equal(await p.locator('nav a[href="/admin/cameras"]').count(), 0);
      assert.equal(await p.locator('nav a[href="/rules"]').count(), 1, 'viewers may read rules');
      assert.equal(await p.locator('[data-testid=alert-item] button').count(), 0, 'no ack/resolve buttons');
      await p.goto(`${system.gatewayUrl}/rules`);
      await p.waitForSelector('[data-testid=rules-table]');
      assert.equal(await p.locator('a:has-text("New rule")').count(), 0);
      await shot(p, '13-viewer-rules');
    } finally {
      await viewer.close();
    }
  });

  it('recovers from a rejected access token through the rotating refresh token', async () => {
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('sentinel.session') ?? 'null'));
    assert.ok(before?.refreshToken);
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('sentinel.session')!);
      localStorage.setItem('sentinel.session', JSON.stringify({ ...s, accessToken: 'not-a-valid-token' }));
    });
    await page.goto(`${system.gatewayUrl}/alerts`);
    await page.waitForSelector('[data-testid=alert-feed]', { state: 'attached', timeout: 15_000 });
    assert.equal(await page.locator('form[aria-label="Log in"]').count(), 0, 'still logged in');
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem('sentinel.session') ?? 'null'));
    assert.notEqual(after.refreshToken, before.refreshToken, 'the refresh token was rotated');
    assert.notEqual(after.accessToken, 'not-a-valid-token');
  });

  it('answers a question in the assistant panel once the assistant API is up', async () => {
    await page.goto(`${system.gatewayUrl}/`);
    await page.click('[aria-label="Ask the assistant"]', { timeout: 20_000 });
    await page.fill('input[aria-label=Question]', 'How many alerts were there today?');
    await page.click('.chat-input button[type=submit]');
    const answer = page.locator('.msg.assistant:not(.error)').first();
    await answer.waitFor({ timeout: 30_000 });
    assert.ok(((await answer.textContent()) ?? '').trim().length > 0);
    await shot(page, '14-assistant');
  });

  it('fits a phone-sized screen', async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${system.gatewayUrl}/`);
    await phone.waitForSelector(`[data-testid=camera-tile][data-camera="${cameraId}"]`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
    await shot(phone, '15-phone-wall');
    await phone.click('button[aria-label=Menu]');
    await phone.click('nav a[href="/alerts"]');
    await phone.waitForSelector('[data-testid=alert-feed]', { state: 'attached' });
    const overflowAlerts = await phone.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflowAlerts <= 0, `alerts page fits (overflow ${overflowAlerts}px)`);
    await shot(phone, '16-phone-alerts');
    await phone.close();
  });
});
