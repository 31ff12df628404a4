import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addLinePoint,
  addVertex,
  closePolygon,
  cycleDirection,
  edgeMidpoints,
  emptyLine,
  emptyPolygon,
  flipLine,
  hitVertex,
  insertVertex,
  moveVertex,
  removeVertex,
  undo,
} from '../src/lib/polygon-drawing.ts';

// A 1000x500 picture: 10 px is 0.01 horizontally but 0.02 vertically.
const rect = { x: 0, y: 0, width: 1000, height: 500 };

describe('polygon drawing', () => {
  it('adds vertices and closes on a click near the first one', () => {
    let d = emptyPolygon();
    d = addVertex(d, [0.1, 0.1], rect);
    d = addVertex(d, [0.5, 0.1], rect);
    d = addVertex(d, [0.5, 0.5], rect);
    assert.equal(d.points.length, 3);
    d = addVertex(d, [0.105, 0.11], rect); // 5 px right, 5 px down of the first vertex
    assert.equal(d.closed, true);
    assert.equal(d.points.length, 3);
    assert.equal(addVertex(d, [0.9, 0.9], rect), d, 'a closed polygon ignores clicks');
  });

  it('does not close with fewer than 3 points and ignores a double click', () => {
    let d = addVertex(emptyPolygon(), [0.1, 0.1], rect);
    d = addVertex(d, [0.4, 0.1], rect);
    d = addVertex(d, [0.4005, 0.1], rect);
    assert.equal(d.points.length, 2, 'double click on the last vertex adds nothing');
    d = addVertex(d, [0.1, 0.1], rect);
    assert.equal(d.closed, false);
    assert.equal(d.points.length, 2, 'a click on the first vertex with 2 points adds no duplicate');
    assert.equal(closePolygon(d).closed, false);
  });

  it('hit-tests vertices in pixels, not normalised units', () => {
    const pts = [
      [0.1, 0.1],
      [0.5, 0.5],
    ] as const;
    assert.equal(hitVertex(pts, [0.1, 0.118], rect), 0, '0.018 vertically is 9 px: a hit');
    assert.equal(hitVertex(pts, [0.112, 0.1], rect), -1, '0.012 horizontally is 12 px: a miss');
    assert.equal(hitVertex(pts, [0.495, 0.495], rect), 1);
  });

  it('moves, inserts, removes and undoes', () => {
    let d = closePolygon({
      points: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      closed: false,
    });
    assert.equal(d.closed, true);
    d = moveVertex(d, 2, [0.8, 0.8]);
    assert.deepEqual(d.points[2], [0.8, 0.8]);
    const mids = edgeMidpoints(d);
    assert.equal(mids.length, 4);
    assert.deepEqual(mids[3], [3, [0, 0.5]]);
    d = insertVertex(d, 0, [0.5, -0]);
    assert.equal(d.points.length, 5);
    d = removeVertex(removeVertex(removeVertex(d, 0), 0), 0);
    assert.equal(d.points.length, 2);
    assert.equal(d.closed, false, 'below 3 points the polygon re-opens');
    const reopened = undo(closePolygon({ points: mids.map((m) => m[1]), closed: false }));
    assert.equal(reopened.closed, false);
    assert.equal(reopened.points.length, 4);
    assert.equal(undo(reopened).points.length, 3);
  });
});

describe('directed line drawing', () => {
  it('takes two clicks, restarts on a third, cycles direction and flips', () => {
    let l = addLinePoint(emptyLine(), [0.1, 0.5]);
    assert.deepEqual(l.a, [0.1, 0.5]);
    assert.equal(l.b, undefined);
    l = addLinePoint(l, [0.9, 0.5]);
    assert.deepEqual(l.b, [0.9, 0.5]);
    l = cycleDirection(l);
    assert.equal(l.direction, 'left_to_right');
    const f = flipLine(l);
    assert.deepEqual([f.a, f.b], [l.b, l.a]);
    l = addLinePoint(l, [0.3, 0.3]);
    assert.deepEqual(l, { a: [0.3, 0.3], direction: 'left_to_right' });
    assert.equal(cycleDirection(cycleDirection(l)).direction, 'any');
  });
});
