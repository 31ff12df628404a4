import type { CameraResponse } from '@sentinel/common/api/cameras';
import type { ListResponse } from '@sentinel/common/api/common';
import type { RuleResponse, ZoneResponse } from '@sentinel/common/api/zones-rules';
import { COCO_LABELS } from '@sentinel/common/schemas/coco-labels';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import { useAsync } from '../app/hooks.ts';
import { Link, useRouter } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { FieldError } from '../components/FieldError.tsx';
import { SnapshotView } from '../components/SnapshotView.tsx';
import { toast } from '../components/Toasts.tsx';
import {
  directedLineGeometry,
  type Point,
  polygonPath,
  type Rect,
  toNormalised,
  toPixels,
} from '../lib/overlay-geometry.ts';
import {
  addLinePoint,
  addVertex,
  closePolygon,
  cycleDirection,
  flipLine,
  hitVertex,
  moveVertex,
  removeVertex,
  undo,
} from '../lib/polygon-drawing.ts';
import { rulePath } from '../lib/routes.ts';
import {
  CONDITION_TYPES,
  type ConditionType,
  type FieldErrors,
  newRuleDraft,
  newZoneDraft,
  type RuleDraft,
  randomSuffix,
  ruleToDraft,
  slug,
  validateRuleDraft,
  validateZoneDraft,
  type ZoneDraft,
  zoneToDraft,
} from '../lib/rule-form.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
type Tool = 'none' | 'zone' | 'line';

/** The rules and zones editor: draw on a camera snapshot, fill in the rule, see precise errors inline. */
export function RuleEditorPage({ id }: { id: string }) {
  const isNew = id === 'new';
  const { can } = useSession();
  const { navigate } = useRouter();
  const readOnly = !can('rules:write');
  const cameras = useAsync(
    () => api.get<ListResponse<CameraResponse>>('/cameras', { limit: 200 }).then((r) => r.items),
    [],
  );
  const zones = useAsync(
    () => api.get<ListResponse<ZoneResponse>>('/zones', { limit: 200 }).then((r) => r.items),
    [],
  );
  const stored = useAsync(
    () => (isNew ? Promise.resolve(undefined) : api.get<RuleResponse>(`/rules/${encodeURIComponent(id)}`)),
    [id],
  );
  const [draft, setDraft] = useState<RuleDraft>(() =>
    newRuleDraft(new URLSearchParams(location.search).get('camera') ?? undefined),
  );
  const [dirty, setDirty] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const [tool, setTool] = useState<Tool>('none');
  const [zoneEdit, setZoneEdit] = useState<ZoneDraft | null>(null);
  const [zoneTouched, setZoneTouched] = useState(false);
  const [zoneServerErrors, setZoneServerErrors] = useState<FieldErrors>({});
  const [drag, setDrag] = useState<number | null>(null);
  const [replay, setReplay] = useState<string | null>(null);

  useEffect(() => {
    if (stored.data) setDraft(ruleToDraft(stored.data));
  }, [stored.data]);
  // Pick the first camera when none is chosen yet.
  useEffect(() => {
    const first = cameras.data?.[0];
    if (isNew && first && draft.cameraIds.length === 0) setDraft((d) => ({ ...d, cameraIds: [first.id] }));
  }, [cameras.data, isNew, draft.cameraIds.length]);

  const activeCamera = draft.cameraIds[0] ?? '';
  const snapshot = useAsync(
    () =>
      activeCamera
        ? api.get<{ url: string }>(`/cameras/${encodeURIComponent(activeCamera)}/snapshot`).then((r) => r.url)
        : Promise.resolve(null),
    [activeCamera],
  );
  const cameraZones = (zones.data ?? []).filter((z) => z.cameraId === activeCamera);
  const refs = useMemo(
    () =>
      cameras.data && zones.data
        ? { cameraIds: cameras.data.map((c) => c.id), zones: zones.data }
        : undefined,
    [cameras.data, zones.data],
  );
  const validation = validateRuleDraft(draft, refs);
  const errors: FieldErrors = dirty ? { ...validation.errors, ...serverErrors } : serverErrors;
  const zoneValidation = zoneEdit ? validateZoneDraft(zoneEdit) : null;
  const zoneErrors: FieldErrors =
    zoneEdit && zoneTouched ? { ...zoneValidation!.errors, ...zoneServerErrors } : zoneServerErrors;

  const update = (patch: Partial<RuleDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setDirty(true);
    setServerErrors({});
  };
  const updateZone = (patch: Partial<ZoneDraft>) => {
    setZoneEdit((z) => (z ? { ...z, ...patch } : z));
    setZoneTouched(true);
    setZoneServerErrors({});
  };

  // ---- drawing on the snapshot ----
  const onPointer = (
    kind: 'down' | 'move' | 'up',
    x: number,
    y: number,
    rect: Rect,
    e: React.PointerEvent,
  ) => {
    if (readOnly) return;
    const p = toNormalised(x, y, rect, 12) as Point | null;
    if (tool === 'zone' && zoneEdit) {
      const poly = zoneEdit.polygon;
      if (kind === 'down' && p) {
        const hit = hitVertex(poly.points, p, rect, 10);
        if (e.button === 2) {
          if (hit >= 0) updateZone({ polygon: removeVertex(poly, hit) });
        } else if (poly.closed && hit >= 0) setDrag(hit);
        else if (!poly.closed) updateZone({ polygon: addVertex(poly, p, rect, 10) });
      } else if (kind === 'move' && drag !== null && p) {
        updateZone({ polygon: moveVertex(poly, drag, p) });
      } else if (kind === 'up') setDrag(null);
    } else if (tool === 'line' && kind === 'down' && p) {
      update({ line: addLinePoint(draft.line, p) });
    }
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, select, textarea')) return;
      if (tool === 'zone' && zoneEdit) {
        if (e.key === 'Enter') updateZone({ polygon: closePolygon(zoneEdit.polygon) });
        if (e.key === 'Backspace' || (e.key === 'z' && (e.ctrlKey || e.metaKey))) {
          e.preventDefault();
          updateZone({ polygon: undo(zoneEdit.polygon) });
        }
      }
      if (e.key === 'Escape') {
        setTool('none');
        setZoneEdit(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const startZone = (existing?: ZoneResponse) => {
    setZoneEdit(existing ? zoneToDraft(existing) : newZoneDraft(activeCamera));
    setZoneTouched(false);
    setZoneServerErrors({});
    setTool('zone');
  };
  const saveZone = async () => {
    if (!zoneEdit) return;
    setZoneTouched(true);
    const v = validateZoneDraft(zoneEdit);
    if (!v.ok) return;
    const exists = zones.data?.some((z) => z.id === zoneEdit.id);
    try {
      const body = exists
        ? { name: v.value.name, polygon: v.value.polygon, inertiaFrames: v.value.inertiaFrames }
        : { ...v.value, id: `zone-${slug(v.value.name)}-${randomSuffix().slice(0, 4)}` };
      const saved = exists
        ? await api.patch<ZoneResponse>(`/zones/${encodeURIComponent(zoneEdit.id)}`, body)
        : await api.post<ZoneResponse>('/zones', body);
      zones.setData((list) => [...(list ?? []).filter((z) => z.id !== saved.id), saved]);
      toast({ kind: 'success', title: `Zone "${saved.name}" saved` });
      setZoneEdit(null);
      setTool('none');
      // Pick the new zone for the rule (without marking the rule form as edited).
      if (!draft.zoneId && draft.conditionType !== 'line_cross')
        setDraft((d) => ({ ...d, zoneId: saved.id }));
      else if (draft.conditionType === 'sequence' && !draft.zoneId2 && draft.zoneId !== saved.id)
        setDraft((d) => ({ ...d, zoneId2: saved.id }));
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setZoneServerErrors(err.fieldErrors());
      else toast({ kind: 'error', title: 'Zone not saved', body: (err as Error).message });
    }
  };
  const deleteZone = async (z: ZoneResponse) => {
    if (!confirm(`Delete zone "${z.name}"?`)) return;
    try {
      await api.del(`/zones/${encodeURIComponent(z.id)}`);
      zones.setData((list) => list?.filter((x) => x.id !== z.id));
    } catch (err) {
      toast({ kind: 'error', title: 'Zone not deleted', body: (err as Error).message });
    }
  };

  const save = async () => {
    setDirty(true);
    if (!validation.ok) {
      toast({ kind: 'error', title: 'The rule has errors', body: 'See the messages next to the fields.' });
      return;
    }
    setSaving(true);
    try {
      const { id: ruleId, ...rest } = validation.value;
      const saved = isNew
        ? await api.post<RuleResponse>('/rules', {
            ...validation.value,
            id: `rule-${slug(rest.name)}-${randomSuffix().slice(0, 4)}`,
          })
        : await api.put<RuleResponse>(`/rules/${encodeURIComponent(ruleId)}`, rest);
      toast({
        kind: 'success',
        title: `Rule "${saved.name}" saved`,
        body: saved.enabled ? 'armed' : 'disarmed',
      });
      setDirty(false);
      if (isNew) navigate(rulePath(saved.id), true);
      else stored.setData(() => saved);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setServerErrors(err.fieldErrors());
      toast({ kind: 'error', title: 'Rule not saved', body: (err as Error).message });
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete rule "${draft.name}"?`)) return;
    await api.del(`/rules/${encodeURIComponent(draft.id)}`);
    navigate('/rules');
  };
  const runReplay = async () => {
    if (!validation.ok) {
      setDirty(true);
      return;
    }
    setReplay('replaying the last 24 h…');
    try {
      const to = Date.now();
      const r = await api.post<{
        frames: number;
        detections: number;
        summary: { opened: number; resolved: number; suppressed: Record<string, number> };
      }>('/rules/replay', { rule: validation.value, from: to - 86_400_000, to });
      const sup = Object.entries(r.summary.suppressed)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ');
      setReplay(
        `Over the last 24 h (${r.frames} frames, ${r.detections} detections) this rule would have opened ${r.summary.opened} alert(s)${sup ? `; suppressed: ${sup}` : ''}.`,
      );
    } catch (err) {
      setReplay(
        err instanceof ApiError && err.status === 404
          ? 'This gateway cannot replay rules yet.'
          : `Replay failed: ${(err as Error).message}`,
      );
    }
  };

  if (stored.error)
    return (
      <section className="page">
        <p className="error">{stored.error.message}</p>
      </section>
    );
  const zoneOptions = cameraZones;
  const needsZone = draft.conditionType !== 'line_cross';
  const toggleIn = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  return (
    <section className="page editor-page">
      <div className="toolbar">
        <Link to="/rules" className="btn ghost">
          ‹ Rules
        </Link>
        <h1>{isNew ? 'New rule' : draft.name || 'Rule'}</h1>
      </div>
      <div className="editor-layout">
        <div className="editor-canvas">
          <div className="draw-tools">
            <select
              aria-label="Camera shown"
              value={activeCamera}
              onChange={(e) =>
                update({
                  cameraIds: [e.target.value, ...draft.cameraIds.filter((c) => c !== e.target.value)],
                })
              }
              disabled={readOnly}
            >
              {(cameras.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            {!readOnly && can('zones:write') && (
              <button
                type="button"
                className={`btn ${tool === 'zone' && zoneEdit && !zoneEdit.polygon.closed ? 'on' : ''}`}
                onClick={() => startZone()}
                data-testid="new-zone"
              >
                Draw zone
              </button>
            )}
            {!readOnly && draft.conditionType === 'line_cross' && (
              <>
                <button
                  type="button"
                  className={`btn ${tool === 'line' ? 'on' : ''}`}
                  onClick={() => setTool(tool === 'line' ? 'none' : 'line')}
                >
                  {tool === 'line' ? 'Done' : 'Draw line'}
                </button>
                <button
                  type="button"
                  className="btn"
                  onClick={() => update({ line: cycleDirection(draft.line) })}
                  title="Which crossing counts"
                >
                  Direction: {draft.line.direction.replaceAll('_', ' ')}
                </button>
                <button
                  type="button"
                  className="btn ghost"
                  onClick={() => update({ line: flipLine(draft.line) })}
                >
                  Flip
                </button>
              </>
            )}
            <span className="muted small hint">
              {tool === 'zone' && zoneEdit && !zoneEdit.polygon.closed
                ? 'Click to add points; click the first point (or Enter) to close; Backspace undoes.'
                : tool === 'zone'
                  ? 'Drag the points to adjust; right-click a point to delete it.'
                  : tool === 'line'
                    ? 'Click the two ends of the line. Arrows show which crossing counts.'
                    : ''}
            </span>
          </div>
          <SnapshotView
            pending={snapshot.loading}
            src={snapshot.data}
            alt="Camera snapshot"
            onPointer={onPointer}
            className={tool !== 'none' ? 'drawing' : ''}
          >
            {(rect) => (
              <>
                {cameraZones
                  .filter((z) => z.id !== zoneEdit?.id)
                  .map((z) => (
                    <g
                      key={z.id}
                      className={`zone ${[draft.zoneId, draft.zoneId2].includes(z.id) ? 'selected' : ''}`}
                    >
                      <path d={polygonPath(z.polygon, rect)} />
                      <text
                        x={toPixels(z.polygon[0]!, rect)[0] + 4}
                        y={toPixels(z.polygon[0]!, rect)[1] + 14}
                      >
                        {z.name}
                      </text>
                    </g>
                  ))}
                {zoneEdit && <ZoneDrawing draft={zoneEdit} rect={rect} />}
                {draft.conditionType === 'line_cross' && draft.line.a && (
                  <LineDrawing line={draft.line} rect={rect} />
                )}
              </>
            )}
          </SnapshotView>
          {snapshot.error && (
            <p className="muted small">No snapshot yet ({snapshot.error.message}); you can still draw.</p>
          )}
          {zoneEdit && (
            <div className="card zone-form" data-testid="zone-form">
              <label>
                Zone name
                <input
                  value={zoneEdit.name}
                  onChange={(e) => updateZone({ name: e.target.value })}
                  placeholder="e.g. Front door"
                  name="zoneName"
                />
                <FieldError errors={zoneErrors} path="name" />
              </label>
              <label>
                Inertia (frames)
                <input
                  value={zoneEdit.inertiaFrames}
                  onChange={(e) => updateZone({ inertiaFrames: e.target.value })}
                  inputMode="numeric"
                />
                <FieldError errors={zoneErrors} path="inertiaFrames" />
              </label>
              <FieldError errors={zoneErrors} path="polygon" />
              <FieldError errors={zoneErrors} path="cameraId" />
              <div className="actions">
                <button
                  type="button"
                  className="btn primary"
                  onClick={() => void saveZone()}
                  data-testid="save-zone"
                >
                  Save zone
                </button>
                <button
                  type="button"
                  className="btn ghost"
                  onClick={() => {
                    setZoneEdit(null);
                    setTool('none');
                  }}
                >
                  Cancel
                </button>
              </div>
            </div>
          )}
          {cameraZones.length > 0 && (
            <ul className="zone-list">
              {cameraZones.map((z) => (
                <li key={z.id}>
                  <span>{z.name}</span>
                  {!readOnly && can('zones:write') && (
                    <>
                      <button type="button" className="btn small" onClick={() => startZone(z)}>
                        Edit
                      </button>
                      <button type="button" className="btn small ghost" onClick={() => void deleteZone(z)}>
                        Delete
                      </button>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>

        <form
          className="rule-form card"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          aria-label="Rule"
        >
          <fieldset disabled={readOnly}>
            <label>
              Name
              <input
                name="ruleName"
                value={draft.name}
                onChange={(e) => update({ name: e.target.value })}
                placeholder="e.g. Person at the door"
              />
              <FieldError errors={errors} path="name" />
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={draft.enabled}
                onChange={(e) => update({ enabled: e.target.checked })}
              />{' '}
              Armed
            </label>
            <div className="field">
              <span className="label">Cameras</span>
              <div className="chips">
                {(cameras.data ?? []).map((c) => (
                  <button
                    type="button"
                    key={c.id}
                    className={`chip ${draft.cameraIds.includes(c.id) ? 'on' : ''}`}
                    onClick={() => update({ cameraIds: toggleIn(draft.cameraIds, c.id) })}
                  >
                    {c.name}
                  </button>
                ))}
              </div>
              <FieldError errors={errors} path="cameraIds" />
            </div>
            <div className="field">
              <span className="label">Object classes</span>
              <div className="chips">
                {draft.labels.map((l) => (
                  <button
                    type="button"
                    key={l}
                    className="chip on"
                    onClick={() => update({ labels: draft.labels.filter((x) => x !== l) })}
                    title="Remove"
                  >
                    {l} ×
                  </button>
                ))}
                <select
                  aria-label="Add class"
                  value=""
                  onChange={(e) => e.target.value && update({ labels: [...draft.labels, e.target.value] })}
                >
                  <option value="">+ add class</option>
                  {COCO_LABELS.filter((l) => !draft.labels.includes(l)).map((l) => (
                    <option key={l}>{l}</option>
                  ))}
                </select>
              </div>
              <FieldError errors={errors} path="labels" />
            </div>
            <label>
              Minimum score
              <input
                value={draft.minScore}
                onChange={(e) => update({ minScore: e.target.value })}
                inputMode="decimal"
              />
              <FieldError errors={errors} path="minScore" />
            </label>
            <label>
              Condition
              <select
                name="conditionType"
                value={draft.conditionType}
                onChange={(e) => {
                  update({ conditionType: e.target.value as ConditionType });
                  setTool(e.target.value === 'line_cross' ? 'line' : 'none');
                }}
              >
                {CONDITION_TYPES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
              <span className="muted small">
                {CONDITION_TYPES.find((c) => c.value === draft.conditionType)?.help}
              </span>
              <FieldError errors={errors} path="condition.type" />
            </label>
            {needsZone && (
              <label>
                {draft.conditionType === 'sequence' ? 'First zone' : 'Zone'}
                <select
                  name="zoneId"
                  value={draft.zoneId}
                  onChange={(e) => update({ zoneId: e.target.value })}
                >
                  <option value="">— pick a zone —</option>
                  {zoneOptions.map((z) => (
                    <option key={z.id} value={z.id}>
                      {z.name}
                    </option>
                  ))}
                </select>
                <FieldError
                  errors={errors}
                  path={draft.conditionType === 'sequence' ? 'condition.zoneIds.0' : 'condition.zoneId'}
                />
              </label>
            )}
            {draft.conditionType === 'sequence' && (
              <label>
                Then zone
                <select value={draft.zoneId2} onChange={(e) => update({ zoneId2: e.target.value })}>
                  <option value="">— pick a zone —</option>
                  {zoneOptions.map((z) => (
                    <option key={z.id} value={z.id}>
                      {z.name}
                    </option>
                  ))}
                </select>
                <FieldError errors={errors} path="condition.zoneIds.1" />
                <FieldError errors={errors} path="condition.zoneIds" exact />
              </label>
            )}
            {draft.conditionType === 'occupancy' && (
              <label>
                At least (objects)
                <input
                  value={draft.count}
                  onChange={(e) => update({ count: e.target.value })}
                  inputMode="numeric"
                />
                <FieldError errors={errors} path="condition.count" />
              </label>
            )}
            {(draft.conditionType === 'dwell' ||
              draft.conditionType === 'occupancy' ||
              draft.conditionType === 'sequence') && (
              <label>
                {draft.conditionType === 'dwell'
                  ? 'Longer than (s)'
                  : draft.conditionType === 'sequence'
                    ? 'Within (s)'
                    : 'For (s)'}
                <input
                  name="seconds"
                  value={draft.seconds}
                  onChange={(e) => update({ seconds: e.target.value })}
                  inputMode="decimal"
                />
                <FieldError
                  errors={errors}
                  path={draft.conditionType === 'sequence' ? 'condition.withinSeconds' : 'condition.seconds'}
                />
              </label>
            )}
            {draft.conditionType === 'line_cross' && (
              <div className="field">
                <span className="label">Line</span>
                <span className="muted small">
                  {draft.line.a && draft.line.b
                    ? `(${draft.line.a.map((v) => v.toFixed(2)).join(', ')}) → (${draft.line.b.map((v) => v.toFixed(2)).join(', ')}), ${draft.line.direction.replaceAll('_', ' ')}`
                    : 'draw it on the snapshot'}
                </span>
                <FieldError errors={errors} path="condition.line" />
              </div>
            )}
            <div className="field">
              <label className="check">
                <input
                  type="checkbox"
                  checked={draft.scheduleEnabled}
                  onChange={(e) => update({ scheduleEnabled: e.target.checked })}
                />{' '}
                Only at certain times
              </label>
              {draft.scheduleEnabled && (
                <div className="schedule">
                  <label>
                    Time zone
                    <input value={draft.timezone} onChange={(e) => update({ timezone: e.target.value })} />
                    <FieldError errors={errors} path="schedule.timezone" />
                  </label>
                  {draft.windows.map((w, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: windows have no id
                    <div key={i} className="window">
                      <div className="chips">
                        {DAYS.map((d, day) => (
                          <button
                            type="button"
                            key={d}
                            className={`chip ${w.days.includes(day) ? 'on' : ''}`}
                            onClick={() =>
                              update({
                                windows: draft.windows.map((x, j) =>
                                  j === i ? { ...x, days: toggleIn(x.days, day).sort() } : x,
                                ),
                              })
                            }
                          >
                            {d}
                          </button>
                        ))}
                      </div>
                      <input
                        aria-label="From"
                        value={w.start}
                        onChange={(e) =>
                          update({
                            windows: draft.windows.map((x, j) =>
                              j === i ? { ...x, start: e.target.value } : x,
                            ),
                          })
                        }
                        size={5}
                      />
                      –
                      <input
                        aria-label="To"
                        value={w.end}
                        onChange={(e) =>
                          update({
                            windows: draft.windows.map((x, j) =>
                              j === i ? { ...x, end: e.target.value } : x,
                            ),
                          })
                        }
                        size={5}
                      />
                      <button
                        type="button"
                        className="btn small ghost"
                        onClick={() => update({ windows: draft.windows.filter((_, j) => j !== i) })}
                      >
                        Remove
                      </button>
                      <FieldError errors={errors} path={`schedule.windows.${i}`} />
                    </div>
                  ))}
                  <button
                    type="button"
                    className="btn small"
                    onClick={() =>
                      update({ windows: [...draft.windows, { days: [0, 6], start: '00:00', end: '24:00' }] })
                    }
                  >
                    Add window
                  </button>
                  <FieldError errors={errors} path="schedule.windows" exact />
                </div>
              )}
            </div>
            <div className="grid-2">
              <label>
                Cooldown (s)
                <input
                  name="cooldownSeconds"
                  value={draft.cooldownSeconds}
                  onChange={(e) => update({ cooldownSeconds: e.target.value })}
                  inputMode="decimal"
                />
                <FieldError errors={errors} path="cooldownSeconds" />
              </label>
              <label>
                Severity
                <select
                  value={draft.severity}
                  onChange={(e) => update({ severity: e.target.value as RuleDraft['severity'] })}
                >
                  <option value="info">info</option>
                  <option value="warning">warning</option>
                  <option value="critical">critical</option>
                </select>
              </label>
              <label>
                Auto-resolve after (s)
                <input
                  value={draft.autoResolveSeconds}
                  onChange={(e) => update({ autoResolveSeconds: e.target.value })}
                  inputMode="decimal"
                />
                <FieldError errors={errors} path="autoResolveSeconds" />
              </label>
              <label>
                Parked objects re-arm after (s)
                <input
                  value={draft.stationaryRearmSeconds}
                  onChange={(e) => update({ stationaryRearmSeconds: e.target.value })}
                  inputMode="decimal"
                />
                <FieldError errors={errors} path="stationaryRearmSeconds" />
              </label>
            </div>
            <label className="check">
              <input
                type="checkbox"
                checked={draft.webPush}
                onChange={(e) => update({ webPush: e.target.checked })}
              />{' '}
              Push notifications
            </label>
            <label>
              Webhooks (one URL per line)
              <textarea
                rows={2}
                value={draft.webhooks}
                onChange={(e) => update({ webhooks: e.target.value })}
              />
              <FieldError errors={errors} path="notify" />
            </label>
            <FieldError errors={errors} path="" exact />
          </fieldset>
          {!readOnly && (
            <div className="actions">
              <button type="submit" className="btn primary" disabled={saving} data-testid="save-rule">
                {saving ? 'Saving…' : 'Save rule'}
              </button>
              <button type="button" className="btn" onClick={() => void runReplay()}>
                Test against the last 24 h
              </button>
              {!isNew && (
                <button type="button" className="btn ghost danger" onClick={() => void remove()}>
                  Delete
                </button>
              )}
            </div>
          )}
          {replay && (
            <p className="replay-result" data-testid="replay-result">
              {replay}
            </p>
          )}
        </form>
      </div>
    </section>
  );
}

function ZoneDrawing({ draft, rect }: { draft: ZoneDraft; rect: Rect }) {
  const pts = draft.polygon.points;
  return (
    <g className="zone editing">
      <path d={polygonPath(pts, rect, draft.polygon.closed)} />
      {pts.map((p, i) => {
        const [x, y] = toPixels(p, rect);
        return (
          <circle
            key={`${p[0]}:${p[1]}`}
            cx={x}
            cy={y}
            r={i === 0 && !draft.polygon.closed && pts.length >= 3 ? 8 : 6}
            className={`handle ${i === 0 ? 'first' : ''}`}
          />
        );
      })}
    </g>
  );
}

function LineDrawing({ line, rect }: { line: RuleDraft['line']; rect: Rect }) {
  if (!line.a) return null;
  const [ax, ay] = toPixels(line.a, rect);
  if (!line.b) return <circle cx={ax} cy={ay} r={6} className="handle" />;
  const g = directedLineGeometry(line.a, line.b, line.direction, rect, 36);
  return (
    <g className="tripwire editing">
      <line x1={g.a[0]} y1={g.a[1]} x2={g.b[0]} y2={g.b[1]} />
      <text x={g.a[0] + 6} y={g.a[1] - 6}>
        A
      </text>
      <text x={g.b[0] + 6} y={g.b[1] - 6}>
        B
      </text>
      {g.arrows.map((a) => (
        <line
          key={a.from.join(',')}
          className="arrow"
          x1={a.from[0]}
          y1={a.from[1]}
          x2={a.to[0]}
          y2={a.to[1]}
          markerEnd="url(#edit-arrow)"
        />
      ))}
      <defs>
        <marker id="edit-arrow" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto">
          <path d="M0,0 L8,4 L0,8 z" fill="#facc15" />
        </marker>
      </defs>
    </g>
  );
}
