import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  anchorPoint,
  boxToPixels,
  containRect,
  directedLineGeometry,
  labelPosition,
  occupiedZones,
  polygonPath,
  sideOfLine,
  toNormalised,
  toPixels,
  trackPathPoints,
} from '../src/lib/overlay-geometry.ts';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

describe('containRect (object-fit: contain)', () => {
  it('letterboxes a 16:9 picture in a 4:3 element (bars top and bottom)', () => {
    const r = containRect(800, 600, 1920, 1080);
    close(r.width, 800);
    close(r.height, 450);
    close(r.x, 0);
    close(r.y, 75);
  });
  it('pillarboxes a 4:3 picture in a wide element (bars left and right)', () => {
    const r = containRect(1000, 300, 640, 480);
    close(r.height, 300);
    close(r.width, 400);
    close(r.x, 300);
    close(r.y, 0);
  });
  it('fills exactly when aspect ratios match', () => {
    assert.deepEqual(containRect(640, 360, 1280, 720), { x: 0, y: 0, width: 640, height: 360 });
  });
  it('handles unknown media size (whole element) and a zero-size element', () => {
    assert.deepEqual(containRect(300, 200, 0, 0), { x: 0, y: 0, width: 300, height: 200 });
    assert.deepEqual(containRect(0, 200, 640, 480), { x: 0, y: 0, width: 0, height: 0 });
  });
});

describe('mapping normalised boxes onto the letterboxed picture', () => {
  const rect = containRect(800, 600, 1920, 1080); // picture at y 75..525

  it('maps a box through the content rectangle, not the element', () => {
    const px = boxToPixels([0.25, 0.5, 0.5, 0.25], rect);
    close(px.x, 200);
    close(px.y, 75 + 0.5 * 450);
    close(px.width, 400);
    close(px.height, 112.5);
  });

  it('maps the frame corners onto the picture corners', () => {
    assert.deepEqual(toPixels([0, 0], rect), [0, 75]);
    assert.deepEqual(toPixels([1, 1], rect), [800, 525]);
  });

  it('inverts pointer positions to normalised points and rejects the bars', () => {
    const p = toNormalised(400, 300, rect);
    assert.deepEqual(p, [0.5, 0.5]);
    assert.equal(toNormalised(400, 40, rect), null, 'click in the top bar');
    assert.deepEqual(toNormalised(400, 70, rect, 8), [0.5, 0], 'within slack: clamped to the edge');
  });

  it('round-trips points', () => {
    for (const p of [
      [0.1, 0.9],
      [0.33, 0.66],
      [1, 0],
    ] as const) {
      const [x, y] = toPixels(p, rect);
      const back = toNormalised(x, y, rect)!;
      close(back[0], p[0], 1e-4);
      close(back[1], p[1], 1e-4);
    }
  });
});

describe('zone polygon drawing', () => {
  const rect = containRect(1000, 300, 640, 480); // x 300..700, y 0..300

  it('builds a closed SVG path in element pixels', () => {
    const d = polygonPath(
      [
        [0, 0],
        [1, 0],
        [0.5, 1],
      ],
      rect,
    );
    assert.equal(d, 'M300 0 L700 0 L500 300 Z');
  });
  it('leaves an unfinished polygon open', () => {
    assert.equal(
      polygonPath(
        [
          [0, 0],
          [1, 0],
        ],
        rect,
      ),
      'M300 0 L700 0',
    );
    assert.equal(polygonPath([], rect), '');
  });

  it('highlights zones holding the bottom-centre of a box', () => {
    const zones = [
      {
        id: 'door',
        polygon: [
          [0.4, 0.4],
          [0.6, 0.4],
          [0.6, 0.9],
          [0.4, 0.9],
        ] as const,
      },
      {
        id: 'yard',
        polygon: [
          [0, 0],
          [0.2, 0],
          [0.2, 0.2],
        ] as const,
      },
    ];
    assert.deepEqual(anchorPoint([0.45, 0.2, 0.1, 0.6]), [0.5, 0.8]);
    // The box's top is outside the door zone but its feet are inside.
    assert.deepEqual([...occupiedZones([[0.45, 0.2, 0.1, 0.6]], zones)], ['door']);
    assert.equal(occupiedZones([[0.45, 0.0, 0.1, 0.3]], zones).size, 0);
  });
});

describe('labels and directed lines', () => {
  const rect = { x: 0, y: 50, width: 400, height: 300 };
  it('puts a label above the box, or inside when the box touches the top', () => {
    assert.deepEqual(labelPosition({ x: 10, y: 200, width: 50, height: 50 }, 16, rect), { x: 10, y: 184 });
    assert.deepEqual(labelPosition({ x: 10, y: 55, width: 50, height: 50 }, 16, rect), { x: 10, y: 55 });
  });

  it('draws the crossing arrow from the left side of a→b to its right', () => {
    // a→b points right on screen; standing at a looking at b, "left" is up (smaller y).
    const g = directedLineGeometry([0, 0.5], [1, 0.5], 'left_to_right', rect, 20);
    assert.equal(g.arrows.length, 1);
    const [arrow] = g.arrows;
    assert.ok(arrow!.from[1] < arrow!.to[1], 'arrow goes downward, from left side (up) to right side (down)');
    close(arrow!.from[0], 200);
    assert.equal(sideOfLine([0, 0.5], [1, 0.5], [0.5, 0.2]), 'left');
    assert.equal(sideOfLine([0, 0.5], [1, 0.5], [0.5, 0.8]), 'right');
    assert.equal(sideOfLine([0, 0.5], [1, 0.5], [0.5, 0.5]), 'on');
    assert.equal(directedLineGeometry([0, 0.5], [1, 0.5], 'any', rect).arrows.length, 2);
    const back = directedLineGeometry([0, 0.5], [1, 0.5], 'right_to_left', rect).arrows[0]!;
    assert.ok(back.from[1] > back.to[1]);
  });

  it('maps a track path to SVG polyline points through the anchor points', () => {
    const pts = trackPathPoints(
      [
        [0, 0, 0.5, 0.5],
        [0.5, 0.5, 0.5, 0.5],
      ],
      rect,
    );
    assert.equal(pts, '100,200 300,350');
  });
});
