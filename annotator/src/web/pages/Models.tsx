import { useCallback, useEffect, useState } from 'react';
import { API, api } from '../api.ts';

type Evaluation = {
  evaluatedAt: number;
  images: number;
  candidate: { modelId: string; mAP: number; perClass: Record<string, number> };
  baseline: { modelId: string; mAP: number; perClass: Record<string, number> } | null;
  better: boolean;
};
type Run = { status: 'running' | 'failed'; progress: number; error?: string };
type Model = {
  evaluationRun?: Run;
  id: string;
  format: string;
  file: string;
  active: boolean;
  inputWidth: number;
  inputHeight: number;
  evaluation: Evaluation | null;
};

const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));

export function ModelsPage(props: { canWrite: boolean; token: string | null }) {
  const [items, setItems] = useState<Model[]>([]);
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reg, setReg] = useState({ id: '', path: '', format: 'yolo' });
  const load = useCallback(
    () =>
      api<{ items: Model[] }>('/models').then(
        (r) => setItems(r.items),
        (e) => setMsg((e as Error).message),
      ),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // Poll while an evaluation runs in the background.
  useEffect(() => {
    if (!items.some((m) => m.evaluationRun?.status === 'running')) return;
    const t = setTimeout(() => void load(), 1000);
    return () => clearTimeout(t);
  }, [items, load]);
  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    setMsg(null);
    try {
      await fn();
      setMsg(what);
    } catch (e) {
      setMsg((e as Error).message);
    } finally {
      setBusy(false);
      void load();
    }
  };
  const upload = async (file: File) => {
    if (!reg.id) return setMsg('enter a model id first');
    await act(`uploaded ${reg.id}`, async () => {
      const res = await fetch(`${API}/models/${encodeURIComponent(reg.id)}/file?format=${reg.format}`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          ...(props.token ? { authorization: `Bearer ${props.token}` } : {}),
        },
        body: file,
      });
      if (!res.ok) throw new Error((await res.json()).error?.message ?? res.statusText);
    });
  };
  return (
    <section className="page">
      <h2>Models</h2>
      {msg && <div className="notice">{msg}</div>}
      <table>
        <thead>
          <tr>
            <th>id</th>
            <th>format</th>
            <th>input</th>
            <th>state</th>
            <th>shadow evaluation (mAP@0.5)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <tr key={m.id}>
              <td>{m.id}</td>
              <td>{m.format}</td>
              <td>
                {m.inputWidth}×{m.inputHeight}
              </td>
              <td>{m.active ? <b>active</b> : 'candidate'}</td>
              <td>
                {m.evaluation ? (
                  <div className="eval">
                    <div>
                      {m.id}: <b>{f(m.evaluation.candidate.mAP)}</b>
                      {m.evaluation.baseline ? (
                        <>
                          {' '}
                          vs {m.evaluation.baseline.modelId}: <b>{f(m.evaluation.baseline.mAP)}</b>
                        </>
                      ) : (
                        ' (no active model)'
                      )}{' '}
                      on {m.evaluation.images} images — {m.evaluation.better ? 'better' : 'not better'}
                    </div>
                    <table className="perclass">
                      <tbody>
                        {Object.keys(m.evaluation.candidate.perClass).map((c) => (
                          <tr key={c}>
                            <td>{c}</td>
                            <td>{f(m.evaluation!.candidate.perClass[c])}</td>
                            <td>{m.evaluation!.baseline ? f(m.evaluation!.baseline.perClass[c]) : ''}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : (
                  !m.evaluationRun && 'not evaluated'
                )}
                {m.evaluationRun?.status === 'running' && (
                  <div>
                    evaluating <progress value={m.evaluationRun.progress} max={1} />
                  </div>
                )}
                {m.evaluationRun?.status === 'failed' && (
                  <div className="error">evaluation failed: {m.evaluationRun.error}</div>
                )}
              </td>
              <td>
                {props.canWrite && !m.active && (
                  <>
                    <button
                      type="button"
                      disabled={busy || m.evaluationRun?.status === 'running'}
                      onClick={() =>
                        void act(`evaluating ${m.id} against the active model…`, () =>
                          api(`/models/${m.id}/evaluate`, { body: {} }),
                        )
                      }
                    >
                      Evaluate
                    </button>
                    <button
                      type="button"
                      disabled={busy || !m.evaluation?.better}
                      onClick={() =>
                        void act(`promoted ${m.id}`, () => api(`/models/${m.id}/promote`, { body: {} }))
                      }
                    >
                      Promote
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.canWrite && (
        <>
          <h2>Register a model version</h2>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void act(`registered ${reg.id}`, () => api('/models', { body: reg }));
            }}
          >
            <input
              aria-label="model id"
              placeholder="id (e.g. yolo11n-v2)"
              value={reg.id}
              onChange={(e) => setReg({ ...reg, id: e.target.value })}
            />
            <select
              aria-label="model format"
              value={reg.format}
              onChange={(e) => setReg({ ...reg, format: e.target.value })}
            >
              <option value="yolo">yolo</option>
              <option value="centernet">centernet</option>
            </select>
            <input
              aria-label="model path"
              placeholder="path on the server (models/…)"
              value={reg.path}
              onChange={(e) => setReg({ ...reg, path: e.target.value })}
            />
            <button type="submit" disabled={busy}>
              Register path
            </button>
            <label className="upload">
              or upload .onnx{' '}
              <input
                type="file"
                accept=".onnx"
                onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])}
              />
            </label>
          </form>
        </>
      )}
    </section>
  );
}
