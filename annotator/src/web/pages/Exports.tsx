import { useCallback, useEffect, useState } from 'react';
import { api, blobUrl } from '../api.ts';

type Exp = {
  id: string;
  name: string | null;
  format: string;
  status: string;
  progress: number;
  error: string | null;
  createdAt: number;
  downloadUrl: string | null;
  manifest: {
    images: { train: number; val: number; total: number };
    boxes: { total: number };
    categories: string[];
  } | null;
};

export function ExportsPage() {
  const [items, setItems] = useState<Exp[]>([]);
  const [format, setFormat] = useState('coco');
  const [val, setVal] = useState(0.2);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api<{ items: Exp[] }>('/exports').then(
        (r) => setItems(r.items),
        (e) => setError((e as Error).message),
      ),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (!items.some((i) => i.status === 'running')) return;
    const t = setTimeout(() => void load(), 700);
    return () => clearTimeout(t);
  }, [items, load]);
  const download = async (e: Exp) => {
    const url = await blobUrl(e.downloadUrl!);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${e.id}-${e.format}.zip`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <section className="page">
      <h2>New dataset version</h2>
      <form
        className="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          setError(null);
          api('/exports', { body: { format, valFraction: val } }).then(load, (e) =>
            setError((e as Error).message),
          );
        }}
      >
        <select aria-label="format" value={format} onChange={(e) => setFormat(e.target.value)}>
          <option value="coco">COCO JSON</option>
          <option value="yolo">Ultralytics YOLO</option>
          <option value="voc">Pascal VOC</option>
        </select>
        <label>
          val share{' '}
          <input
            type="number"
            min={0}
            max={0.9}
            step={0.05}
            value={val}
            onChange={(e) => setVal(Number(e.target.value))}
          />
        </label>
        <button type="submit">Export accepted annotations</button>
      </form>
      {error && <div className="error">{error}</div>}
      <table>
        <thead>
          <tr>
            <th>version</th>
            <th>format</th>
            <th>images (train/val)</th>
            <th>boxes</th>
            <th>status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{e.name ?? e.id}</td>
              <td>{e.format}</td>
              <td>
                {e.manifest
                  ? `${e.manifest.images.total} (${e.manifest.images.train}/${e.manifest.images.val})`
                  : ''}
              </td>
              <td>{e.manifest?.boxes.total ?? ''}</td>
              <td>
                {e.status === 'running' ? <progress value={e.progress} max={1} /> : e.status}
                {e.error ? `: ${e.error}` : ''}
              </td>
              <td>
                {e.downloadUrl && (
                  <button type="button" onClick={() => void download(e)}>
                    Download zip
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
