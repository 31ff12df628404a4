import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@sentinel/common/testing/index';
import AdmZip from 'adm-zip';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { annotateAndAccept, type Box, startTestAnnotator, type TestAnnotator } from './helpers.ts';

describe('dataset exports: COCO, YOLO, VOC zips re-read by independent parsers', () => {
  let t: TestAnnotator;
  let token: string;
  const expected = new Map<number, Box[]>();
  before(async () => {
    t = await startTestAnnotator();
    token = await t.token('rita');
  });
  after(async () => t?.close());

  const runExport = async (format: string, extra: Record<string, unknown> = {}) => {
    const start = await t.api('POST', '/exports', {
      token,
      body: { format, valFraction: 0.3, seed: 's1', ...extra },
    });
    assert.equal(start.status, 202, JSON.stringify(start.json));
    const done = await waitFor(
      async () => {
        const s = (await t.api('GET', `/exports/${start.json.id}`, { token })).json;
        assert.notEqual(s.status, 'failed', s.error);
        return s.status === 'done' ? s : undefined;
      },
      { label: `${format} export`, timeoutMs: 20_000 },
    );
    assert.equal(done.progress, 1);
    const dl = await t.api('GET', `/exports/${done.id}/download`, { token });
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-type'), 'application/zip');
    return { status: done, zip: new AdmZip(dl.bytes) };
  };

  it('refuses to export an empty dataset with a clear 409', async () => {
    const r = await t.api('POST', '/exports', { token, body: { format: 'coco' } });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.reason, 'empty_dataset');
    assert.match(r.json.error.message, /no task has been accepted/);
    assert.equal((await t.pool.query('SELECT count(*) FROM dataset_exports')).rows[0].count, '0');
    const bad = await t.api('POST', '/exports', { token, body: { format: 'csv' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.details[0].path, 'body.format');
  });

  it('builds the three formats with consistent splits and counts', async () => {
    const sets: Box[][] = [
      [
        { label: 'person', box: [0.1, 0.2, 0.25, 0.5] },
        { label: 'car', box: [0.5, 0.5, 0.4, 0.3] },
      ],
      [{ label: 'person', box: [0, 0, 0.5, 0.5] }],
      [{ label: 'dog', box: [0.25, 0.25, 0.5, 0.5] }],
      [],
      [{ label: 'person', box: [0.6, 0.1, 0.4, 0.9] }],
    ];
    for (const boxes of sets) {
      await t.addExample({ width: 320, height: 240 });
      expected.set(await annotateAndAccept(t, boxes), boxes);
    }
    // A task still in review is not exported.
    await t.addExample();
    const a = await t.token('alice');
    const pending = (await t.api('POST', '/tasks/next', { token: a, body: {} })).json;
    await t.api('POST', `/tasks/${pending.id}/submit`, {
      token: a,
      body: { version: pending.version, boxes: [{ label: 'cat', box: [0.1, 0.1, 0.1, 0.1] }] },
    });

    const coco = await runExport('coco');
    const manifest = JSON.parse(coco.zip.readAsText('manifest.json'));
    assert.equal(manifest.images.total, 5);
    assert.equal(manifest.images.train + manifest.images.val, 5);
    assert.ok(manifest.images.val >= 1 && manifest.images.train >= 1);
    assert.equal(manifest.images.noObjects, 1);
    assert.equal(manifest.boxes.total, 5);
    assert.deepEqual(manifest.categories, ['person', 'car', 'dog'], 'COCO order, only used labels');
    assert.equal(manifest.perLabel.person.train + manifest.perLabel.person.val, 3);
    assert.ok(!manifest.categories.includes('cat'), 'tasks in review are not exported');

    // COCO structure and absolute [x, y, w, h] boxes.
    const names = coco.zip.getEntries().map((e) => e.entryName);
    let images = 0;
    let anns = 0;
    const splitOf = new Map<number, string>();
    for (const split of ['train', 'val']) {
      const doc = JSON.parse(coco.zip.readAsText(`annotations/instances_${split}.json`));
      assert.ok(Array.isArray(doc.images) && Array.isArray(doc.annotations) && Array.isArray(doc.categories));
      assert.deepEqual(
        doc.categories.map((c: { id: number; name: string }) => [c.id, c.name]),
        [
          [1, 'person'],
          [2, 'car'],
          [3, 'dog'],
        ],
      );
      const imageIds = new Set(doc.images.map((i: { id: number }) => i.id));
      assert.equal(imageIds.size, doc.images.length, 'unique image ids');
      for (const im of doc.images) {
        assert.ok(names.includes(`images/${split}/${im.file_name}`), `${im.file_name} is in the zip`);
        assert.equal(im.width, 320);
        assert.equal(im.height, 240);
        splitOf.set(im.id, split);
        const want = expected.get(im.id)!;
        const got = doc.annotations.filter((x: { image_id: number }) => x.image_id === im.id);
        assert.equal(got.length, want.length);
        for (const [i, w] of want.entries()) {
          const g = got[i];
          assert.equal(doc.categories.find((c: { id: number }) => c.id === g.category_id).name, w.label);
          assert.deepEqual(g.bbox, [w.box[0] * 320, w.box[1] * 240, w.box[2] * 320, w.box[3] * 240]);
          assert.equal(g.iscrowd, 0);
          assert.ok(Math.abs(g.area - g.bbox[2] * g.bbox[3]) < 0.01);
        }
      }
      for (const x of doc.annotations) assert.ok(imageIds.has(x.image_id), 'annotation points at an image');
      assert.equal(new Set(doc.annotations.map((x: { id: number }) => x.id)).size, doc.annotations.length);
      images += doc.images.length;
      anns += doc.annotations.length;
    }
    assert.equal(images, 5);
    assert.equal(anns, 5);
    const jpeg = coco.zip
      .getEntries()
      .find((e) => e.entryName.endsWith('.jpg'))!
      .getData();
    assert.equal(jpeg[0], 0xff);
    assert.equal(jpeg[1], 0xd8, 'images are JPEGs');

    // YOLO: data.yaml + one label file per image, normalised class cx cy w h; same split for the same seed.
    const yolo = await runExport('yolo');
    const data = parseYaml(yolo.zip.readAsText('data.yaml'));
    assert.equal(data.train, 'images/train');
    assert.equal(data.val, 'images/val');
    assert.equal(data.nc, 3);
    assert.deepEqual(data.names, { 0: 'person', 1: 'car', 2: 'dog' });
    const labelFiles = yolo.zip.getEntries().filter((e) => e.entryName.startsWith('labels/'));
    assert.equal(labelFiles.length, 5, 'one label file per image, empty for no-object images');
    for (const e of labelFiles) {
      const [, split, file] = e.entryName.split('/');
      const taskId = Number(file!.replace('.txt', '').split('_').at(-1));
      assert.equal(split, splitOf.get(taskId), 'same seed, same split');
      assert.ok(
        yolo.zip.getEntry(`images/${split}/${file!.replace('.txt', '.jpg')}`),
        'image next to its label',
      );
      const lines = yolo.zip.readAsText(e).split('\n').filter(Boolean);
      const want = expected.get(taskId)!;
      assert.equal(lines.length, want.length);
      lines.forEach((line, i) => {
        assert.match(line, /^\d+ (0|1)\.\d{6} (0|1)\.\d{6} (0|1)\.\d{6} (0|1)\.\d{6}$/);
        const [cls, cx, cy, w, h] = line.split(' ').map(Number) as [number, number, number, number, number];
        const b = want[i]!.box;
        assert.equal(data.names[cls], want[i]!.label);
        assert.ok(Math.abs(cx - (b[0] + b[2] / 2)) < 1e-6 && Math.abs(cy - (b[1] + b[3] / 2)) < 1e-6);
        assert.ok(Math.abs(w - b[2]) < 1e-6 && Math.abs(h - b[3]) < 1e-6);
      });
    }

    // VOC: XML per image with 1-based integer corners inside the image.
    const voc = await runExport('voc');
    const parser = new XMLParser({ isArray: (name) => name === 'object' });
    const xmls = voc.zip.getEntries().filter((e) => e.entryName.startsWith('Annotations/'));
    assert.equal(xmls.length, 5);
    for (const e of xmls) {
      const doc = parser.parse(voc.zip.readAsText(e)).annotation;
      const stem = e.entryName.slice('Annotations/'.length, -'.xml'.length);
      assert.equal(doc.filename, `${stem}.jpg`);
      assert.ok(voc.zip.getEntry(`JPEGImages/${stem}.jpg`));
      assert.equal(doc.size.width, 320);
      assert.equal(doc.size.height, 240);
      assert.equal(doc.size.depth, 3);
      const want = expected.get(Number(stem.split('_').at(-1)))!;
      const objs = doc.object ?? [];
      assert.equal(objs.length, want.length);
      objs.forEach(
        (
          o: { name: string; bndbox: { xmin: number; ymin: number; xmax: number; ymax: number } },
          i: number,
        ) => {
          const b = want[i]!.box;
          assert.equal(o.name, want[i]!.label);
          const { xmin, ymin, xmax, ymax } = o.bndbox;
          for (const v of [xmin, ymin, xmax, ymax]) assert.ok(Number.isInteger(v));
          assert.ok(xmin >= 1 && ymin >= 1 && xmax <= 320 && ymax <= 240 && xmin < xmax && ymin < ymax);
          assert.equal(xmin, Math.round(b[0] * 320) + 1);
          assert.equal(xmax, Math.round((b[0] + b[2]) * 320));
          assert.equal(ymax, Math.round((b[1] + b[3]) * 240));
        },
      );
    }
    const trainList = voc.zip.readAsText('ImageSets/Main/train.txt').split('\n').filter(Boolean);
    const valList = voc.zip.readAsText('ImageSets/Main/val.txt').split('\n').filter(Boolean);
    assert.equal(trainList.length + valList.length, 5);
    assert.equal(valList.length, manifest.images.val);

    const list = await t.api('GET', '/exports', { token });
    assert.equal(list.json.items.length, 3);
    const { rows } = await t.pool.query('SELECT count(*) FROM hard_examples WHERE exported_at IS NOT NULL');
    assert.equal(rows[0].count, '5');
  });

  it('answers 404 for unknown exports and 403 without the export permission', async () => {
    assert.equal((await t.api('GET', '/exports/nope', { token })).status, 404);
    const viewer = await t.token('vic', 'viewer');
    assert.equal((await t.api('POST', '/exports', { token: viewer, body: { format: 'coco' } })).status, 403);
  });
});
