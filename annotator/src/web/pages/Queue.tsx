import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type EditBox, HttpError, type Task } from '../api.ts';
import { Editor } from '../editor/Editor.tsx';

/**
 * One queue (annotation or review): lease the next task, keep the lease alive with heartbeats,
 * submit / review / skip, then lease the next one.
 */
export function Queue(props: {
  stage: 'annotation' | 'review';
  labels: string[];
  onLabelsChanged: () => void;
}) {
  const [task, setTask] = useState<Task | null>(null);
  const [empty, setEmpty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const taskRef = useRef<Task | null>(null);
  taskRef.current = task;

  const next = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      const t = await api<Task | null>('/tasks/next', { body: { stage: props.stage } });
      setTask(t);
      setEmpty(!t);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }, [props.stage]);

  useEffect(() => {
    void next();
  }, [next]);

  // Heartbeat at a third of the lease; a lost lease (409) is shown and the task dropped.
  useEffect(() => {
    if (!task?.leaseExpiresAt) return;
    const every = Math.max(3_000, (task.leaseExpiresAt - Date.now()) / 3);
    const timer = setInterval(async () => {
      const t = taskRef.current;
      if (!t) return;
      try {
        await api(`/tasks/${t.id}/heartbeat`, { body: { version: t.version } });
      } catch (err) {
        if (err instanceof HttpError && err.status === 409) {
          setError(`Lost the lease on task ${t.id}: ${err.message}`);
          setTask(null);
        }
      }
    }, every);
    return () => clearInterval(timer);
  }, [task?.leaseExpiresAt]);

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setNotice(what);
      await next();
    } catch (err) {
      const e = err as HttpError;
      setError(
        e.reason === 'stale_version' || e.reason === 'lease_expired'
          ? `${e.message} — press "Next task"`
          : e.message,
      );
      setBusy(false);
    }
  };

  const strip = (boxes: EditBox[]) => boxes.map((b) => ({ label: b.label, box: b.box, source: b.source }));

  return (
    <section className="queue">
      {notice && (
        <div className="notice" role="status">
          {notice}
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {empty && !task && (
        <div className="empty">
          <p>
            {props.stage === 'review' ? 'Nothing to review right now.' : 'The annotation queue is empty.'}
          </p>
          <button type="button" onClick={() => void next()} disabled={busy}>
            Check again
          </button>
        </div>
      )}
      {!task && !empty && error && (
        <button type="button" onClick={() => void next()}>
          Next task
        </button>
      )}
      {task && (
        <Editor
          key={`${task.id}-${task.version}`}
          task={task}
          labels={props.labels}
          mode={props.stage === 'review' ? 'review' : 'annotate'}
          busy={busy}
          onSubmit={(boxes, noObjects) =>
            void run(`Task ${task.id} submitted for review`, () =>
              api(`/tasks/${task.id}/submit`, {
                body: { version: task.version, boxes: strip(boxes), noObjects },
              }),
            )
          }
          onSkip={() =>
            void run(`Task ${task.id} skipped`, () =>
              api(`/tasks/${task.id}/skip`, { body: { version: task.version } }),
            )
          }
          onAccept={(boxes) =>
            void run(`Task ${task.id} accepted`, () =>
              api(`/tasks/${task.id}/review`, {
                body: {
                  decision: 'accept',
                  version: task.version,
                  ...(boxes ? { boxes: strip(boxes) } : {}),
                },
              }),
            )
          }
          onReject={(comment) =>
            void run(`Task ${task.id} sent back`, () =>
              api(`/tasks/${task.id}/review`, {
                body: { decision: 'reject', version: task.version, comment },
              }),
            )
          }
          onAddLabel={async (name) => {
            await api('/labels', { body: { name } });
            props.onLabelsChanged();
          }}
        />
      )}
    </section>
  );
}
