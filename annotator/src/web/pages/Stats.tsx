import { useEffect, useState } from 'react';
import { api } from '../api.ts';

type Stats = {
  queue: Record<string, number>;
  annotators: Array<{
    annotator: string;
    annotations: number;
    lastHour: number;
    last24h: number;
    perHour24h: number;
    reviewsDone: number;
    acceptanceRate: number | null;
  }>;
  agreement: {
    tasks: number;
    mean: number | null;
    pairs: Array<{ a: string; b: string; tasks: number; mean: number }>;
  };
};

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);

export function StatsPage() {
  const [s, setS] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Stats>('/stats').then(setS, (e) => setError((e as Error).message));
  }, []);
  if (error) return <div className="error">{error}</div>;
  if (!s) return <p>Loading…</p>;
  return (
    <section className="page">
      <h2>Queue</h2>
      <p className="counts">
        {['annotation', 'rejected', 'review', 'accepted'].map((k) => (
          <span key={k}>
            {k}: <b>{s.queue[k] ?? 0}</b>
          </span>
        ))}
      </p>
      <h2>Throughput</h2>
      <table>
        <thead>
          <tr>
            <th>user</th>
            <th>annotations</th>
            <th>last hour</th>
            <th>last 24 h</th>
            <th>per hour (24 h)</th>
            <th>reviews done</th>
            <th>accepted</th>
          </tr>
        </thead>
        <tbody>
          {s.annotators.map((a) => (
            <tr key={a.annotator}>
              <td>{a.annotator}</td>
              <td>{a.annotations}</td>
              <td>{a.lastHour}</td>
              <td>{a.last24h}</td>
              <td>{a.perHour24h}</td>
              <td>{a.reviewsDone}</td>
              <td>{pct(a.acceptanceRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Inter-annotator agreement</h2>
      <p>
        {s.agreement.tasks} task(s) annotated by two or more people; mean agreement {pct(s.agreement.mean)}{' '}
        (F1 of same-label boxes at IoU ≥ 0.5).
      </p>
      <table>
        <thead>
          <tr>
            <th>pair</th>
            <th>tasks</th>
            <th>agreement</th>
          </tr>
        </thead>
        <tbody>
          {s.agreement.pairs.map((p) => (
            <tr key={`${p.a}-${p.b}`}>
              <td>
                {p.a} · {p.b}
              </td>
              <td>{p.tasks}</td>
              <td>{pct(p.mean)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
