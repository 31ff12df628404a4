import { useEffect, useState } from 'react';
import { useRouter } from '../app/router.tsx';

export type Toast = {
  id: number;
  kind: 'info' | 'success' | 'error' | 'alert';
  title: string;
  body?: string;
  link?: string;
  severity?: string;
};

let nextId = 1;
const listeners = new Set<(t: Toast) => void>();

/** Show a toast from anywhere. */
export function toast(t: Omit<Toast, 'id'>): void {
  const full = { ...t, id: nextId++ };
  for (const fn of listeners) fn(full);
}

export function Toasts() {
  const [items, setItems] = useState<Toast[]>([]);
  const { navigate } = useRouter();
  useEffect(() => {
    const add = (t: Toast) => {
      setItems((list) => [...list.slice(-4), t]);
      setTimeout(
        () => setItems((list) => list.filter((x) => x.id !== t.id)),
        t.kind === 'alert' ? 8000 : 4000,
      );
    };
    listeners.add(add);
    return () => {
      listeners.delete(add);
    };
  }, []);
  const dismiss = (id: number) => setItems((list) => list.filter((x) => x.id !== id));
  return (
    <div className="toasts" aria-live="polite">
      {items.map((t) => (
        <div key={t.id} className={`toast ${t.kind} ${t.severity ?? ''}`} role="status" data-testid="toast">
          <button
            type="button"
            className="toast-main"
            onClick={() => {
              if (t.link) navigate(t.link);
              dismiss(t.id);
            }}
          >
            <strong>{t.title}</strong>
            {t.body && <span>{t.body}</span>}
          </button>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
