import type { ExportFormat } from '@sentinel/common';
import { type Dataset, type DatasetImage, type Manifest, toPixels } from './dataset.ts';

/**
 * Dataset layouts. Each format is a list of archive entries: metadata as text, images as
 * `{ image }` references the zip writer reads from the image store one at a time.
 *
 * COCO:  images/{train,val}/<stem>.jpg, annotations/instances_{train,val}.json (bbox = absolute [x,y,w,h])
 * YOLO:  images/{train,val}/<stem>.jpg, labels/{train,val}/<stem>.txt ("class cx cy w h", normalised), data.yaml
 * VOC:   JPEGImages/<stem>.jpg, Annotations/<stem>.xml, ImageSets/Main/{train,val}.txt
 * All:   manifest.json (counts per split and label), README.txt
 */
export type Entry = { name: string; text: string } | { name: string; image: DatasetImage };

export function entriesFor(format: ExportFormat, ds: Dataset, manifest: Manifest): Entry[] {
  const common: Entry[] = [
    { name: 'manifest.json', text: `${JSON.stringify(manifest, null, 2)}\n` },
    { name: 'README.txt', text: readme(format, manifest) },
  ];
  if (format === 'coco') return [...common, ...coco(ds)];
  if (format === 'yolo') return [...common, ...yolo(ds)];
  return [...common, ...voc(ds)];
}

const splits = ['train', 'val'] as const;

/** COCO instances JSON of one split. Category ids start at 1 (0 is background by convention). */
export function cocoJson(ds: Dataset, split: 'train' | 'val') {
  const images = ds.images.filter((im) => im.split === split);
  const annotations: Array<Record<string, unknown>> = [];
  let annId = 1;
  for (const im of images)
    for (const b of im.boxes) {
      const bbox = toPixels(b.box, im.width, im.height);
      annotations.push({
        id: annId++,
        image_id: im.taskId,
        category_id: ds.categories.indexOf(b.label) + 1,
        bbox,
        area: Math.round(bbox[2] * bbox[3] * 100) / 100,
        iscrowd: 0,
      });
    }
  return {
    info: { description: 'Sentinel hard examples', version: '1.0', date_created: new Date().toISOString() },
    licenses: [],
    images: images.map((im) => ({
      id: im.taskId,
      file_name: `${im.stem}.jpg`,
      width: im.width,
      height: im.height,
    })),
    annotations,
    categories: ds.categories.map((name, i) => ({ id: i + 1, name, supercategory: 'object' })),
  };
}

function coco(ds: Dataset): Entry[] {
  const out: Entry[] = [];
  for (const split of splits) {
    out.push({ name: `annotations/instances_${split}.json`, text: JSON.stringify(cocoJson(ds, split)) });
    for (const im of ds.images.filter((x) => x.split === split))
      out.push({ name: `images/${split}/${im.stem}.jpg`, image: im });
  }
  return out;
}

/** One YOLO label line per box: class index, centre and size normalised to the image (6 decimals). */
export function yoloLabel(ds: Dataset, im: DatasetImage): string {
  return im.boxes
    .map((b) => {
      const [x, y, w, h] = b.box;
      const cx = Math.min(1, Math.max(0, x + w / 2));
      const cy = Math.min(1, Math.max(0, y + h / 2));
      const f = (v: number) => v.toFixed(6);
      return `${ds.categories.indexOf(b.label)} ${f(cx)} ${f(cy)} ${f(Math.min(1, w))} ${f(Math.min(1, h))}\n`;
    })
    .join('');
}

export function yoloDataYaml(ds: Dataset): string {
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return [
    '# Ultralytics YOLO dataset (train with: yolo detect train data=data.yaml model=yolo11n.pt)',
    'path: .',
    'train: images/train',
    'val: images/val',
    `nc: ${ds.categories.length}`,
    'names:',
    ...ds.categories.map((c, i) => `  ${i}: ${q(c)}`),
    '',
  ].join('\n');
}

function yolo(ds: Dataset): Entry[] {
  const out: Entry[] = [{ name: 'data.yaml', text: yoloDataYaml(ds) }];
  for (const im of ds.images) {
    out.push({ name: `labels/${im.split}/${im.stem}.txt`, text: yoloLabel(ds, im) });
    out.push({ name: `images/${im.split}/${im.stem}.jpg`, image: im });
  }
  return out;
}

const xml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Pascal VOC annotation: 1-based integer pixel corners, xmin < xmax <= width. */
export function vocXml(im: DatasetImage): string {
  const objects = im.boxes.map((b) => {
    const [x, y, w, h] = toPixels(b.box, im.width, im.height);
    const xmin = Math.min(im.width, Math.max(1, Math.round(x) + 1));
    const ymin = Math.min(im.height, Math.max(1, Math.round(y) + 1));
    const xmax = Math.min(im.width, Math.max(xmin, Math.round(x + w)));
    const ymax = Math.min(im.height, Math.max(ymin, Math.round(y + h)));
    return `  <object>
    <name>${xml(b.label)}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox>
      <xmin>${xmin}</xmin>
      <ymin>${ymin}</ymin>
      <xmax>${xmax}</xmax>
      <ymax>${ymax}</ymax>
    </bndbox>
  </object>
`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<annotation>
  <folder>JPEGImages</folder>
  <filename>${xml(im.stem)}.jpg</filename>
  <source><database>Sentinel</database></source>
  <size>
    <width>${im.width}</width>
    <height>${im.height}</height>
    <depth>3</depth>
  </size>
  <segmented>0</segmented>
${objects.join('')}</annotation>
`;
}

function voc(ds: Dataset): Entry[] {
  const out: Entry[] = [];
  for (const split of splits)
    out.push({
      name: `ImageSets/Main/${split}.txt`,
      text: ds.images
        .filter((im) => im.split === split)
        .map((im) => `${im.stem}\n`)
        .join(''),
    });
  out.push({ name: 'labels.txt', text: ds.categories.map((c) => `${c}\n`).join('') });
  for (const im of ds.images) {
    out.push({ name: `Annotations/${im.stem}.xml`, text: vocXml(im) });
    out.push({ name: `JPEGImages/${im.stem}.jpg`, image: im });
  }
  return out;
}

function readme(format: ExportFormat, m: Manifest): string {
  return `Sentinel dataset "${m.name}" (${format}), ${m.createdAt}
images: ${m.images.train} train, ${m.images.val} val (${m.images.noObjects} with no objects)
boxes: ${m.boxes.train} train, ${m.boxes.val} val
categories: ${m.categories.join(', ')}
See annotator/TRAINING.md for how to train on it and register the resulting ONNX model.
`;
}
