import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@sentinel/common/testing/index';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestAnnotator, type TestAnnotator, testJpeg } from './helpers.ts';
import { yoloModel } from './onnx-builder.ts';

const root = resolve(import.meta.dirname, '..');
const shots = resolve(root, '../tests/artifacts/annotator');

/** Build the web app when dist/ is missing or older than its sources. */
function ensureBuilt() {
  const index = join(root, 'dist/index.html');
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  if (existsSync(index) && statSync(index).mtimeMs > newest(join(root, 'src/web'))) return;
  execFileSync(join(root, '../node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
}

describe('web app in Debian chromium: draw, relabel, submit, then accept as reviewer', () => {
  let t: TestAnnotator;
  let browser: BrowserContext;
  let profile: string;
  let taskId: number;
  before(async () => {
    ensureBuilt();
    mkdirSync(shots, { recursive: true });
    t = await startTestAnnotator();
    taskId = await t.addExample(
      {
        width: 640,
        height: 480,
        boxes: [{ label: 'person', classId: 0, score: 0.42, box: [0.05, 0.1, 0.2, 0.6] }],
      },
      await testJpeg(640, 480, 4242),
    );
    profile = await mkdtemp(join(tmpdir(), 'annotator-chromium-'));
    // A fresh profile per run (launchPersistentContext passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1280, height: 760 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const open = async (token: string, tab: string, canvas = true): Promise<Page> => {
    // Each page has its own sessionStorage, so two users can be signed in side by side.
    const page = await browser.newPage();
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    await page.goto(`${t.svc.url}/annotator/#access_token=${token}&tab=${tab}`);
    if (!canvas) return page;
    await page.waitForSelector('[data-testid=canvas]', { timeout: 15_000 });
    await page.waitForFunction(() => {
      const img = document.querySelector('.stage img') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    return page;
  };

  it('annotator draws a box, relabels it, uses undo, submits; reviewer accepts', async () => {
    const alice = await open(await t.token('alice'), 'annotate');
    assert.ok(!alice.url().includes('access_token'), 'the token is removed from the address bar');
    assert.equal(await alice.locator('.model rect').count(), 1, 'model pre-annotation shown');
    const canvas = alice.locator('[data-testid=canvas]');
    const bb = (await canvas.boundingBox())!;
    // N, then drag from (40%, 30%) to (80%, 90%) of the frame.
    await alice.keyboard.press('n');
    await alice.mouse.move(bb.x + bb.width * 0.4, bb.y + bb.height * 0.3);
    await alice.mouse.down();
    await alice.mouse.move(bb.x + bb.width * 0.6, bb.y + bb.height * 0.6, { steps: 5 });
    await alice.mouse.move(bb.x + bb.width * 0.8, bb.y + bb.height * 0.9, { steps: 5 });
    await alice.mouse.up();
    await alice.waitForSelector('.box.selected');
    assert.equal(await alice.locator('.box').count(), 1);
    // Relabel through the label picker.
    await alice.selectOption('select[aria-label=label]', 'car');
    await alice.waitForSelector('.box[data-label=car]');
    await alice.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // Delete and undo brings it back; A adds the model's box too, Ctrl+Z removes it again.
    await alice.keyboard.press('Delete');
    assert.equal(await alice.locator('.box').count(), 0);
    await alice.keyboard.press('Control+z');
    assert.equal(await alice.locator('.box[data-label=car]').count(), 1);
    await alice.keyboard.press('a');
    assert.equal(await alice.locator('.box').count(), 2);
    await alice.keyboard.press('Control+z');
    assert.equal(await alice.locator('.box').count(), 1);
    await alice.screenshot({ path: join(shots, 'annotate.png') });
    await alice.keyboard.press('Enter');
    await alice
      .getByRole('status')
      .filter({ hasText: `Task ${taskId} submitted for review` })
      .waitFor();
    await alice.screenshot({ path: join(shots, 'annotate-done.png') });

    const ann = await waitFor(
      async () => (await t.pool.query('SELECT * FROM annotations WHERE task_id = $1', [taskId])).rows[0],
    );
    assert.equal(ann.annotator, 'alice');
    assert.equal(ann.boxes.length, 1);
    assert.equal(ann.boxes[0].label, 'car');
    const [x, y, w, h] = ann.boxes[0].box as number[];
    assert.ok(Math.abs(x! - 0.4) < 0.01 && Math.abs(y! - 0.3) < 0.01, `box origin ${x},${y}`);
    assert.ok(Math.abs(w! - 0.4) < 0.01 && Math.abs(h! - 0.6) < 0.01, `box size ${w}x${h}`);

    const bob = await open(await t.token('bob'), 'review');
    await bob.waitForSelector('.box[data-label=car]');
    assert.match((await bob.locator('.side').textContent()) ?? '', /Annotated by alice/);
    await bob.screenshot({ path: join(shots, 'review.png') });
    await bob.getByRole('button', { name: 'Accept (Enter)' }).click();
    await bob
      .getByRole('status')
      .filter({ hasText: `Task ${taskId} accepted` })
      .waitFor();
    const { rows } = await t.pool.query('SELECT stage FROM annotation_tasks WHERE id = $1', [taskId]);
    assert.equal(rows[0].stage, 'accepted');
    const rev = await t.pool.query('SELECT reviewer, decision FROM annotation_reviews WHERE task_id = $1', [
      taskId,
    ]);
    assert.deepEqual(rev.rows, [{ reviewer: 'bob', decision: 'accept' }]);
    await bob.screenshot({ path: join(shots, 'review-done.png') });
  });

  it('zoom, resize by handle, nudge, number-key relabel; reviewer rejects with a comment the annotator sees', async () => {
    const id = await t.addExample(
      {
        width: 640,
        height: 480,
        boxes: [{ label: 'person', classId: 0, score: 0.3, box: [0.5, 0.5, 0.25, 0.25] }],
      },
      await testJpeg(640, 480, 777),
    );
    const carol = await open(await t.token('carol'), 'annotate');
    // Accept the model box (A), select it with Tab, relabel with 2 (car).
    await carol.keyboard.press('a');
    await carol.keyboard.press('Tab');
    await carol.keyboard.press('2');
    await carol.waitForSelector('.box.selected[data-label=car]');
    // Zoom in twice around the centre: the frame grows on screen, boxes stay on the picture.
    const before = (await carol.locator('[data-testid=canvas]').boundingBox())!;
    await carol.keyboard.press('+');
    await carol.keyboard.press('+');
    const zoomed = (await carol.locator('[data-testid=canvas]').boundingBox())!;
    assert.ok(Math.abs(zoomed.width / before.width - 1.5625) < 0.01, `zoom ${zoomed.width / before.width}`);
    // Drag the south-east handle: the box shrinks to end at (70%, 70%) of the frame.
    const se = (await carol.locator('rect[data-handle=se]').boundingBox())!;
    await carol.mouse.move(se.x + se.width / 2, se.y + se.height / 2);
    await carol.mouse.down();
    const target = { x: zoomed.x + zoomed.width * 0.7, y: zoomed.y + zoomed.height * 0.7 };
    const vp = (await carol.locator('[data-testid=viewport]').boundingBox())!;
    assert.ok(target.x < vp.x + vp.width && target.y < vp.y + vp.height, 'target visible after zoom');
    await carol.mouse.move(target.x, target.y, { steps: 6 });
    await carol.mouse.up();
    // Nudge right by 10 px (Shift+Right), then submit.
    await carol.keyboard.press('Shift+ArrowRight');
    // Dragging the background pans the zoomed frame.
    const c0 = (await carol.locator('[data-testid=canvas]').boundingBox())!;
    await carol.mouse.move(vp.x + 20, vp.y + 20);
    await carol.mouse.down();
    await carol.mouse.move(vp.x + 70, vp.y + 50, { steps: 4 });
    await carol.mouse.up();
    const c1 = (await carol.locator('[data-testid=canvas]').boundingBox())!;
    assert.ok(
      Math.abs(c1.x - c0.x - 50) < 1.5 && Math.abs(c1.y - c0.y - 30) < 1.5,
      `pan ${c1.x - c0.x},${c1.y - c0.y}`,
    );
    assert.equal(await carol.locator('.box.selected').count(), 0, 'clicking the background deselects');
    await carol.screenshot({ path: join(shots, 'zoom-resize.png') });
    await carol.keyboard.press('Enter');
    await carol
      .getByRole('status')
      .filter({ hasText: `Task ${id} submitted for review` })
      .waitFor();
    const ann = await waitFor(
      async () => (await t.pool.query('SELECT boxes FROM annotations WHERE task_id = $1', [id])).rows[0],
    );
    const [x, y, w, h] = ann.boxes[0].box as number[];
    assert.equal(ann.boxes[0].label, 'car');
    assert.ok(Math.abs(x! - (0.5 + 10 / 640)) < 0.003, `x ${x}`);
    assert.ok(Math.abs(y! - 0.5) < 0.003, `y ${y}`);
    assert.ok(Math.abs(x! + w! - (0.7 + 10 / 640)) < 0.005, `right edge ${x! + w!}`);
    assert.ok(Math.abs(y! + h! - 0.7) < 0.005, `bottom edge ${y! + h!}`);

    const dave = await open(await t.token('dave'), 'review');
    await dave.keyboard.press('r');
    await dave.getByLabel('rejection comment').fill('the car is only half covered');
    await dave.getByRole('button', { name: 'Send back' }).click();
    await dave
      .getByRole('status')
      .filter({ hasText: `Task ${id} sent back` })
      .waitFor();
    // The task is back in the annotation queue, first in line, with the reviewer's comment.
    await carol.getByRole('button', { name: 'Check again' }).click();
    await carol.locator('.comment').filter({ hasText: 'the car is only half covered' }).waitFor();
    assert.equal(
      await carol.locator('.box[data-label=car]').count(),
      1,
      'previous boxes come back for correction',
    );
    await carol.screenshot({ path: join(shots, 'rejected.png') });

    // The other pages render with the data so far.
    const admin = await open(await t.token('root', 'admin'), 'stats', false);
    await admin.getByText('Inter-annotator agreement').waitFor();
    assert.match((await admin.locator('table').first().textContent()) ?? '', /alice/);
    await admin.screenshot({ path: join(shots, 'stats.png') });
    await admin.getByRole('button', { name: 'Datasets' }).click();
    await admin.getByRole('button', { name: 'Export accepted annotations' }).click();
    await admin.getByRole('button', { name: 'Download zip' }).waitFor({ timeout: 10_000 });
    await admin.screenshot({ path: join(shots, 'datasets.png') });
    // Models: upload an ONNX file through the page, evaluate it in the background, see the comparison.
    const onnx = join(profile, 'cand.onnx');
    await writeFile(onnx, yoloModel(64, 80, [{ cls: 2, score: 0.9, cx: 38.4, cy: 36.8, w: 25.6, h: 28.8 }]));
    await admin.getByRole('button', { name: 'Models' }).click();
    await admin.getByLabel('model id').fill('cand-1');
    await admin.locator('input[type=file]').setInputFiles(onnx);
    await admin.getByRole('cell', { name: 'cand-1' }).waitFor();
    await admin.getByRole('button', { name: 'Evaluate' }).click();
    await admin
      .getByText(/cand-1: 1\.000.*\(no active model\) on 1 images — better/)
      .waitFor({ timeout: 15_000 });
    await admin.screenshot({ path: join(shots, 'models.png') });
  });
});
