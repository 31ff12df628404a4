import type { CameraResponse, CameraTestResult } from '@sentinel/common/api/cameras';
import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import { useAsync } from '../app/hooks.ts';
import { Link, useRouter } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { FieldError } from '../components/FieldError.tsx';
import { toast } from '../components/Toasts.tsx';
import {
  type CameraDraft,
  cameraDraftToPatch,
  cameraToDraft,
  newCameraDraft,
  validateCameraDraft,
} from '../lib/camera-form.ts';
import { cameraEditPath } from '../lib/routes.ts';
import type { FieldErrors } from '../lib/rule-form.ts';

export function CameraEditPage({ id }: { id: string }) {
  const isNew = id === 'new';
  const { can } = useSession();
  const { navigate } = useRouter();
  const stored = useAsync(
    () =>
      isNew ? Promise.resolve(undefined) : api.get<CameraResponse>(`/cameras/${encodeURIComponent(id)}`),
    [id],
  );
  const loading = !isNew && !stored.data;
  const readOnly = !can('cameras:write') || loading;
  const [draft, setDraft] = useState<CameraDraft>(newCameraDraft);
  const [dirty, setDirty] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [test, setTest] = useState<CameraTestResult | 'running' | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (stored.data) setDraft(cameraToDraft(stored.data));
  }, [stored.data]);
  const v = validateCameraDraft(draft);
  const errors = dirty ? { ...v.errors, ...serverErrors } : serverErrors;
  const update = (p: Partial<CameraDraft>) => {
    setDraft((d) => ({ ...d, ...p }));
    setDirty(true);
    setServerErrors({});
  };

  const runTest = async () => {
    setTest('running');
    try {
      const body = {
        ...(draft.url && (isNew || draft.url !== stored.data?.url) ? { url: draft.url.trim() } : {}),
        ...(draft.username ? { username: draft.username } : {}),
        ...(draft.password ? { password: draft.password } : {}),
      };
      const r = isNew
        ? await api.post<CameraTestResult>('/cameras/test', { ...body, url: draft.url.trim() })
        : await api.post<CameraTestResult>(`/cameras/${encodeURIComponent(id)}/test`, body);
      setTest(r);
    } catch (err) {
      setTest({ ok: false, reason: 'internal', message: (err as Error).message, elapsedMs: 0 });
    }
  };
  const save = async () => {
    setDirty(true);
    if (!v.ok) return;
    setSaving(true);
    try {
      const saved = isNew
        ? await api.post<CameraResponse>('/cameras', v.value)
        : await api.patch<CameraResponse>(`/cameras/${encodeURIComponent(id)}`, cameraDraftToPatch(draft));
      toast({ kind: 'success', title: `Camera "${saved.name}" saved` });
      setDirty(false);
      if (isNew) navigate(cameraEditPath(saved.id), true);
      else stored.setData(() => saved);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setServerErrors(err.fieldErrors());
      else if (err instanceof ApiError && err.status === 409)
        setServerErrors({ id: ['a camera with this id exists'] });
      toast({ kind: 'error', title: 'Camera not saved', body: (err as Error).message });
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete camera "${draft.name}" and its zones?`)) return;
    await api.del(`/cameras/${encodeURIComponent(id)}`);
    navigate('/admin/cameras');
  };

  return (
    <section className="page camera-edit">
      <div className="toolbar">
        <Link to="/admin/cameras" className="btn ghost">
          ‹ Cameras
        </Link>
        <h1>{isNew ? 'Add camera' : draft.name}</h1>
      </div>
      <form
        className="card form-narrow"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset disabled={readOnly}>
          <label>
            Id
            <input
              value={draft.id}
              onChange={(e) => update({ id: e.target.value })}
              disabled={!isNew}
              placeholder="front-door"
            />
            <FieldError errors={errors} path="id" />
          </label>
          <label>
            Name
            <input value={draft.name} onChange={(e) => update({ name: e.target.value })} />
            <FieldError errors={errors} path="name" />
          </label>
          <label>
            Stream URL
            <input
              value={draft.url}
              onChange={(e) => update({ url: e.target.value })}
              placeholder="rtsp://192.168.1.20:554/stream1"
            />
            <FieldError errors={errors} path="url" />
          </label>
          <div className="grid-2">
            <label>
              Username
              <input
                value={draft.username}
                onChange={(e) => update({ username: e.target.value })}
                autoComplete="off"
              />
            </label>
            <label>
              Password
              <input
                type="password"
                value={draft.password}
                onChange={(e) => update({ password: e.target.value })}
                autoComplete="new-password"
                placeholder={stored.data?.hasCredentials ? '(unchanged)' : ''}
              />
            </label>
          </div>
          <div className="test-row">
            <button
              type="button"
              className="btn"
              onClick={() => void runTest()}
              disabled={test === 'running' || loading || !can('cameras:test')}
              data-testid="test-connection"
            >
              {test === 'running' ? 'Testing…' : 'Test connection'}
            </button>
            {test && test !== 'running' && (
              <span className={`test-result ${test.ok ? 'ok' : 'bad'}`} data-testid="test-result">
                {test.ok
                  ? `✓ ${test.codec}${test.profile ? ` (${test.profile})` : ''} ${test.width}×${test.height}${test.fps ? ` @ ${test.fps.toFixed(1)} fps` : ''} · ${test.elapsedMs} ms`
                  : `✗ ${test.reason.replaceAll('_', ' ')}: ${test.message}`}
              </span>
            )}
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.enabled}
              onChange={(e) => update({ enabled: e.target.checked })}
            />{' '}
            Enabled
          </label>
          <div className="grid-2">
            <label>
              Detection rate (fps)
              <input
                value={draft.detectFps}
                onChange={(e) => update({ detectFps: e.target.value })}
                inputMode="decimal"
              />
              <FieldError errors={errors} path="detectFps" />
            </label>
            <label>
              Decoder
              <select
                value={draft.decoder}
                onChange={(e) => update({ decoder: e.target.value as CameraDraft['decoder'] })}
              >
                <option value="auto">auto</option>
                <option value="software">software</option>
                <option value="nvidia">nvidia</option>
                <option value="vaapi">vaapi</option>
              </select>
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={draft.motionEnabled}
                onChange={(e) => update({ motionEnabled: e.target.checked })}
              />{' '}
              Motion gating
            </label>
            <label>
              Motion threshold (1-255)
              <input
                value={draft.motionThreshold}
                onChange={(e) => update({ motionThreshold: e.target.value })}
                inputMode="numeric"
              />
              <FieldError errors={errors} path="motion" />
            </label>
            <label>
              Detect on
              <select
                value={draft.detectRegions}
                onChange={(e) => update({ detectRegions: e.target.value as CameraDraft['detectRegions'] })}
              >
                <option value="full">full frame</option>
                <option value="motion">motion regions</option>
              </select>
            </label>
            <label>
              Tags (comma separated)
              <input value={draft.tags} onChange={(e) => update({ tags: e.target.value })} />
              <FieldError errors={errors} path="tags" />
            </label>
          </div>
        </fieldset>
        {!readOnly && (
          <div className="actions">
            <button type="submit" className="btn primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save camera'}
            </button>
            {!isNew && (
              <button type="button" className="btn ghost danger" onClick={() => void remove()}>
                Delete
              </button>
            )}
          </div>
        )}
      </form>
    </section>
  );
}
