import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { blobUrl, type EditBox, type Task } from '../api.ts';
import {
  clampMove,
  fromCorners,
  HANDLES,
  type Handle,
  handleCursor,
  handlePoint,
  type PxBox,
  resize,
  toNorm,
  toPx,
} from './geometry.ts';
import { commit, type History, initHistory, redo, undo } from './history.ts';

/** Labels on keys 1–9. */
export const QUICK_LABELS = ['person', 'car', 'bicycle', 'motorcycle', 'bus', 'truck', 'dog', 'cat', 'bird'];

export type EditorProps = {
  task: Task;
  labels: string[];
  mode: 'annotate' | 'review';
  busy: boolean;
  onSubmit: (boxes: EditBox[], noObjects: boolean) => void;
  onSkip: () => void;
  onAccept: (boxes: EditBox[] | undefined) => void;
  onReject: (comment: string) => void;
  onAddLabel: (name: string) => Promise<void>;
};

type Drag =
  | { kind: 'draw'; x0: number; y0: number }
  | { kind: 'move'; id: string; x0: number; y0: number; orig: PxBox }
  | { kind: 'resize'; id: string; handle: Handle; orig: PxBox }
  | { kind: 'pan'; cx: number; cy: number; tx: number; ty: number };

let seq = 0;
const newId = () => `b${++seq}`;

const sameBoxes = (a: EditBox[], b: EditBox[]) =>
  a.length === b.length &&
  a.every((x, i) => x.label === b[i]!.label && x.box.every((v, j) => Math.abs(v - b[i]!.box[j]!) < 1e-6));

export function Editor(props: EditorProps) {
  const { task, mode } = props;
  const W = task.example.width;
  const H = task.example.height;
  const start = useMemo<EditBox[]>(
    () =>
      (task.annotation?.boxes ?? []).map((b) => ({
        id: newId(),
        label: b.label,
        box: b.box,
        source: b.source ?? 'human',
      })),
    [task],
  );
  const [hist, setHist] = useState<History<EditBox[]>>(() => initHistory(start));
  const [draft, setDraft] = useState<EditBox[] | null>(null);
  const [drawPreview, setDrawPreview] = useState<PxBox | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [drawMode, setDrawMode] = useState(false);
  const [newLabel, setNewLabel] = useState('person');
  const [view, setView] = useState({ fit: 1, scale: 1, tx: 0, ty: 0 });
  const [imgUrl, setImgUrl] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [comment, setComment] = useState('');
  const [customLabel, setCustomLabel] = useState('');
  const viewport = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<Drag | null>(null);
  const boxes = draft ?? hist.present;
  const sel = boxes.find((b) => b.id === selected) ?? null;

  useEffect(() => {
    setHist(initHistory(start));
    setSelected(null);
    setDrawMode(false);
    setRejecting(false);
    setComment('');
    setMessage(null);
  }, [start]);

  useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    blobUrl(task.imageUrl).then(
      (u) => {
        if (cancelled) URL.revokeObjectURL(u);
        else {
          url = u;
          setImgUrl(u);
        }
      },
      (err) => setMessage(`could not load the frame: ${(err as Error).message}`),
    );
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [task.imageUrl]);

  const fitToViewport = useCallback(() => {
    const el = viewport.current;
    if (!el) return;
    const vw = el.clientWidth;
    const vh = el.clientHeight;
    const fit = Math.min(vw / W, vh / H);
    setView({ fit, scale: 1, tx: (vw - W * fit) / 2, ty: (vh - H * fit) / 2 });
  }, [W, H]);
  useLayoutEffect(() => {
    fitToViewport();
    const ro = new ResizeObserver(fitToViewport);
    if (viewport.current) ro.observe(viewport.current);
    return () => ro.disconnect();
  }, [fitToViewport]);

  const apply = useCallback((next: EditBox[]) => setHist((h) => commit(h, next)), []);

  /** Client coordinates → image pixels (the SVG's box on screen includes zoom and pan). */
  const toImage = (clientX: number, clientY: number): [number, number] => {
    const r = svg.current!.getBoundingClientRect();
    return [((clientX - r.left) / r.width) * W, ((clientY - r.top) / r.height) * H];
  };

  const onPointerDown = (e: React.PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0 && e.button !== 1) return;
    const target = e.target as Element;
    const boxId = target.getAttribute('data-box');
    const handle = target.getAttribute('data-handle') as Handle | null;
    const [x, y] = toImage(e.clientX, e.clientY);
    svg.current!.setPointerCapture(e.pointerId);
    if (e.button === 1 || (e.button === 0 && e.altKey)) {
      drag.current = { kind: 'pan', cx: e.clientX, cy: e.clientY, tx: view.tx, ty: view.ty };
    } else if (drawMode) {
      drag.current = { kind: 'draw', x0: x, y0: y };
      setDrawPreview([x, y, 0, 0]);
    } else if (boxId && handle) {
      const b = boxes.find((q) => q.id === boxId)!;
      drag.current = { kind: 'resize', id: boxId, handle, orig: toPx(b.box, W, H) };
      setSelected(boxId);
    } else if (boxId) {
      const b = boxes.find((q) => q.id === boxId)!;
      drag.current = { kind: 'move', id: boxId, x0: x, y0: y, orig: toPx(b.box, W, H) };
      setSelected(boxId);
    } else {
      setSelected(null);
      drag.current = { kind: 'pan', cx: e.clientX, cy: e.clientY, tx: view.tx, ty: view.ty };
    }
    e.preventDefault();
  };

  const onPointerMove = (e: React.PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d) return;
    if (d.kind === 'pan') {
      setView((v) => ({ ...v, tx: d.tx + e.clientX - d.cx, ty: d.ty + e.clientY - d.cy }));
      return;
    }
    const [x, y] = toImage(e.clientX, e.clientY);
    if (d.kind === 'draw') setDrawPreview(fromCorners(d.x0, d.y0, x, y, W, H));
    else {
      const px =
        d.kind === 'move'
          ? clampMove([d.orig[0] + x - d.x0, d.orig[1] + y - d.y0, d.orig[2], d.orig[3]], W, H)
          : resize(d.orig, d.handle, x, y, W, H);
      setDraft(
        hist.present.map((b) => (b.id === d.id ? { ...b, box: toNorm(px, W, H), source: 'human' } : b)),
      );
    }
  };

  const onPointerUp = () => {
    const d = drag.current;
    drag.current = null;
    if (d?.kind === 'draw' && drawPreview) {
      if (drawPreview[2] >= 2 && drawPreview[3] >= 2) {
        const b: EditBox = { id: newId(), label: newLabel, box: toNorm(drawPreview, W, H), source: 'human' };
        apply([...hist.present, b]);
        setSelected(b.id);
        setDrawMode(false);
      }
      setDrawPreview(null);
    } else if (draft) {
      const d2 = draft.find((b) => b.id === selected);
      if (d2 && d2.box[2] * W >= 1 && d2.box[3] * H >= 1) apply(draft);
      setDraft(null);
    }
  };

  const onWheel = (e: React.WheelEvent) => {
    const el = viewport.current!;
    const r = el.getBoundingClientRect();
    const cx = e.clientX - r.left;
    const cy = e.clientY - r.top;
    setView((v) => {
      const scale = Math.min(20, Math.max(0.5, v.scale * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
      const k = scale / v.scale;
      return { ...v, scale, tx: cx - (cx - v.tx) * k, ty: cy - (cy - v.ty) * k };
    });
  };

  const zoomBy = (k: number) => {
    const el = viewport.current!;
    const cx = el.clientWidth / 2;
    const cy = el.clientHeight / 2;
    setView((v) => {
      const scale = Math.min(20, Math.max(0.5, v.scale * k));
      const f = scale / v.scale;
      return { ...v, scale, tx: cx - (cx - v.tx) * f, ty: cy - (cy - v.ty) * f };
    });
  };

  const setLabel = useCallback(
    (label: string) => {
      if (sel) apply(hist.present.map((b) => (b.id === sel.id ? { ...b, label, source: 'human' } : b)));
      setNewLabel(label);
    },
    [sel, hist.present, apply],
  );

  const deleteSelected = () => {
    if (!sel) return;
    apply(hist.present.filter((b) => b.id !== sel.id));
    setSelected(null);
  };

  const acceptModelBoxes = useCallback(() => {
    const add = task.modelBoxes
      .filter(
        (m) =>
          !hist.present.some(
            (b) => b.label === m.label && b.box.every((v, i) => Math.abs(v - m.box[i]!) < 1e-6),
          ),
      )
      .map((m) => ({ id: newId(), label: m.label, box: m.box, source: 'model' as const }));
    if (add.length) apply([...hist.present, ...add]);
    setMessage(add.length ? `added ${add.length} model box(es)` : 'model boxes already accepted');
  }, [task.modelBoxes, hist.present, apply]);

  const submit = useCallback(
    (noObjects: boolean) => {
      if (props.busy) return;
      if (mode === 'review') {
        const changed = !sameBoxes(hist.present, start);
        props.onAccept(changed ? hist.present : undefined);
        return;
      }
      if (!noObjects && hist.present.length === 0) {
        setMessage('no boxes: draw one (N), accept the model boxes (A), or submit "no objects" (O)');
        return;
      }
      props.onSubmit(noObjects ? [] : hist.present, noObjects);
    },
    [props, mode, hist.present, start],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      const k = e.key;
      const ctrl = e.ctrlKey || e.metaKey;
      if (ctrl && (k === 'z' || k === 'Z')) {
        setHist((h) => (e.shiftKey ? redo(h) : undo(h)));
      } else if (ctrl && (k === 'y' || k === 'Y')) setHist((h) => redo(h));
      else if (ctrl) return;
      else if (k === 'n' || k === 'N') {
        setDrawMode((m) => !m);
        setSelected(null);
      } else if (k === 'Escape') {
        setDrawMode(false);
        setSelected(null);
      } else if ((k === 'Delete' || k === 'Backspace') && sel) deleteSelected();
      else if (/^[1-9]$/.test(k)) setLabel(QUICK_LABELS[Number(k) - 1]!);
      else if (k === 'Enter') submit(false);
      else if (k === 's' || k === 'S') props.onSkip();
      else if (k === 'a' || k === 'A') acceptModelBoxes();
      else if ((k === 'o' || k === 'O') && mode === 'annotate') submit(true);
      else if ((k === 'r' || k === 'R') && mode === 'review') setRejecting(true);
      else if (k === 'Tab' && hist.present.length) {
        const i = hist.present.findIndex((b) => b.id === selected);
        setSelected(
          hist.present[(i + (e.shiftKey ? -1 : 1) + hist.present.length) % hist.present.length]!.id,
        );
      } else if (k === '+' || k === '=') zoomBy(1.25);
      else if (k === '-') zoomBy(0.8);
      else if (k === 'f' || k === 'F') fitToViewport();
      else if (k.startsWith('Arrow') && sel) {
        const step = e.shiftKey ? 10 : 1;
        const dx = k === 'ArrowLeft' ? -step : k === 'ArrowRight' ? step : 0;
        const dy = k === 'ArrowUp' ? -step : k === 'ArrowDown' ? step : 0;
        const px = toPx(sel.box, W, H);
        apply(
          hist.present.map((b) =>
            b.id === sel.id
              ? {
                  ...b,
                  box: toNorm(clampMove([px[0] + dx, px[1] + dy, px[2], px[3]], W, H), W, H),
                  source: 'human',
                }
              : b,
          ),
        );
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const px = 1 / (view.fit * view.scale); // one screen pixel in image pixels
  const labelOptions = useMemo(
    () => [...new Set([...props.labels, ...boxes.map((b) => b.label)])],
    [props.labels, boxes],
  );

  return (
    <div className="editor">
      <div className="toolbar">
        <button
          type="button"
          className={drawMode ? 'on' : ''}
          onClick={() => setDrawMode((m) => !m)}
          title="N"
        >
          New box (N)
        </button>
        <button type="button" onClick={acceptModelBoxes} title="A" disabled={!task.modelBoxes.length}>
          Accept model boxes (A)
        </button>
        <button
          type="button"
          onClick={() => setHist((h) => undo(h))}
          disabled={!hist.past.length}
          title="Ctrl+Z"
        >
          Undo
        </button>
        <button
          type="button"
          onClick={() => setHist((h) => redo(h))}
          disabled={!hist.future.length}
          title="Ctrl+Shift+Z"
        >
          Redo
        </button>
        <button type="button" onClick={deleteSelected} disabled={!sel}>
          Delete (Del)
        </button>
        <label className="labelpick">
          Label
          <select
            aria-label="label"
            value={sel?.label ?? newLabel}
            onChange={(e) => setLabel(e.target.value)}
          >
            {labelOptions.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <form
          className="addlabel"
          onSubmit={(e) => {
            e.preventDefault();
            const name = customLabel.trim().toLowerCase();
            if (!name) return;
            props.onAddLabel(name).then(
              () => {
                setCustomLabel('');
                setLabel(name);
              },
              (err) => setMessage((err as Error).message),
            );
          }}
        >
          <input
            aria-label="custom label"
            placeholder="custom label"
            value={customLabel}
            onChange={(e) => setCustomLabel(e.target.value)}
          />
          <button type="submit">Add</button>
        </form>
        <span className="zoom">
          <button type="button" onClick={() => zoomBy(0.8)}>
            −
          </button>
          {Math.round(view.scale * 100)}%
          <button type="button" onClick={() => zoomBy(1.25)}>
            +
          </button>
          <button type="button" onClick={fitToViewport}>
            Fit
          </button>
        </span>
      </div>
      <div className="workarea">
        <div className="viewport" ref={viewport} onWheel={onWheel} data-testid="viewport">
          <div
            className="stage"
            style={{
              width: W * view.fit,
              height: H * view.fit,
              transform: `translate(${view.tx}px, ${view.ty}px) scale(${view.scale})`,
            }}
          >
            {imgUrl && <img src={imgUrl} alt={`frame ${task.example.id}`} draggable={false} />}
            <svg
              ref={svg}
              viewBox={`0 0 ${W} ${H}`}
              preserveAspectRatio="none"
              className={drawMode ? 'drawing' : ''}
              data-testid="canvas"
              onPointerDown={onPointerDown}
              onPointerMove={onPointerMove}
              onPointerUp={onPointerUp}
              onPointerCancel={onPointerUp}
            >
              <title>annotation canvas</title>
              {task.modelBoxes.map((m) => {
                const [x, y, w, h] = toPx(m.box, W, H);
                return (
                  <g key={`m-${m.label}-${m.box.join(',')}`} className="model" pointerEvents="none">
                    <rect
                      x={x}
                      y={y}
                      width={w}
                      height={h}
                      strokeWidth={1.5 * px}
                      strokeDasharray={`${4 * px} ${3 * px}`}
                    />
                    <text x={x} y={y + h + 12 * px} fontSize={11 * px}>
                      model: {m.label}
                      {m.score !== undefined ? ` ${m.score.toFixed(2)}` : ''}
                    </text>
                  </g>
                );
              })}
              {boxes.map((b) => {
                const p = toPx(b.box, W, H);
                const isSel = b.id === selected;
                return (
                  <g key={b.id} className={`box ${isSel ? 'selected' : ''}`} data-label={b.label}>
                    <rect data-box={b.id} x={p[0]} y={p[1]} width={p[2]} height={p[3]} strokeWidth={2 * px} />
                    <text x={p[0] + 3 * px} y={p[1] + 13 * px} fontSize={12 * px} pointerEvents="none">
                      {b.label}
                    </text>
                    {isSel &&
                      HANDLES.map((h) => {
                        const [hx, hy] = handlePoint(p, h);
                        return (
                          <rect
                            key={h}
                            data-box={b.id}
                            data-handle={h}
                            className="handle"
                            x={hx - 4 * px}
                            y={hy - 4 * px}
                            width={8 * px}
                            height={8 * px}
                            style={{ cursor: handleCursor[h] }}
                          />
                        );
                      })}
                  </g>
                );
              })}
              {drawPreview && (
                <rect
                  className="preview"
                  x={drawPreview[0]}
                  y={drawPreview[1]}
                  width={drawPreview[2]}
                  height={drawPreview[3]}
                  strokeWidth={2 * px}
                />
              )}
            </svg>
          </div>
        </div>
        <aside className="side">
          <h3>
            Task {task.id} <small>v{task.version}</small>
          </h3>
          <dl>
            <dt>camera</dt>
            <dd>{task.example.cameraId}</dd>
            <dt>why</dt>
            <dd>{task.example.reason.replace('_', ' ')}</dd>
            <dt>model</dt>
            <dd>{task.example.modelId}</dd>
            {task.example.trackId && (
              <>
                <dt>track</dt>
                <dd>{task.example.trackId}</dd>
              </>
            )}
            <dt>frame</dt>
            <dd>
              {W}×{H}
            </dd>
          </dl>
          {task.comment && <p className="comment">Reviewer: {task.comment}</p>}
          {mode === 'review' && task.annotation && (
            <p>
              Annotated by <b>{task.annotation.annotator}</b>
              {task.annotation.noObjects ? ' as "no objects"' : ''}
            </p>
          )}
          <h4>Boxes ({boxes.length})</h4>
          <ol className="boxlist">
            {boxes.map((b) => (
              // biome-ignore lint/a11y/useKeyWithClickEvents: hotkeys cover selection (Tab)
              <li key={b.id} className={b.id === selected ? 'sel' : ''} onClick={() => setSelected(b.id)}>
                {b.label} <small>{b.source}</small>
              </li>
            ))}
          </ol>
          <div className="actions">
            {mode === 'annotate' ? (
              <>
                <button type="button" className="primary" disabled={props.busy} onClick={() => submit(false)}>
                  Submit (Enter)
                </button>
                <button type="button" disabled={props.busy} onClick={() => submit(true)}>
                  No objects (O)
                </button>
              </>
            ) : (
              <>
                <button type="button" className="primary" disabled={props.busy} onClick={() => submit(false)}>
                  Accept (Enter)
                </button>
                <button type="button" disabled={props.busy} onClick={() => setRejecting(true)}>
                  Reject (R)
                </button>
              </>
            )}
            <button type="button" disabled={props.busy} onClick={props.onSkip}>
              Skip (S)
            </button>
          </div>
          {rejecting && (
            <form
              className="reject"
              onSubmit={(e) => {
                e.preventDefault();
                if (comment.trim()) props.onReject(comment.trim());
              }}
            >
              <textarea
                // biome-ignore lint/a11y/noAutofocus: the reviewer just asked to reject
                autoFocus
                aria-label="rejection comment"
                placeholder="What is wrong? (required)"
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
              <button type="submit" disabled={!comment.trim() || props.busy}>
                Send back
              </button>
              <button type="button" onClick={() => setRejecting(false)}>
                Cancel
              </button>
            </form>
          )}
          {message && <p className="message">{message}</p>}
          <details className="keys">
            <summary>Hotkeys</summary>
            <p>
              N new box · drag handles to resize · Del delete · 1–9 label (
              {QUICK_LABELS.map((l, i) => `${i + 1} ${l}`).join(', ')}) · A accept model boxes · Enter{' '}
              {mode === 'review' ? 'accept' : 'submit'} · {mode === 'review' ? 'R reject' : 'O no objects'} ·
              S skip · Ctrl+Z / Ctrl+Shift+Z undo/redo · arrows nudge (Shift ×10) · Tab next box · wheel or
              +/− zoom · drag background (or Alt+drag) to pan · F fit
            </p>
          </details>
        </aside>
      </div>
    </div>
  );
}
