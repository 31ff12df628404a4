import type { AlertResponse } from '@sentinel/common/api/alerts';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useSession } from '../app/session.tsx';
import { type AlertRow, allowedActions } from '../lib/alerts-feed.ts';
import { toast } from './Toasts.tsx';

/** Acknowledge / resolve / mark false positive, shown only with alerts:write. */
export function AlertActions({
  alert,
  onChange,
  compact = false,
}: {
  alert: AlertRow;
  onChange: (row: AlertResponse) => void;
  compact?: boolean;
}) {
  const { can } = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  if (!can('alerts:write')) return null;
  const allowed = allowedActions(alert);
  const act = async (action: 'ack' | 'resolve' | 'mark-false', label: string) => {
    setBusy(action);
    try {
      const row = await api.post<AlertResponse>(`/alerts/${encodeURIComponent(alert.id)}/${action}`, {});
      onChange(row);
      toast({ kind: 'success', title: `${label}: ${alert.ruleName}` });
    } catch (err) {
      toast({ kind: 'error', title: `${label} failed`, body: (err as Error).message });
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className={`actions ${compact ? 'compact' : ''}`}>
      {allowed.ack && (
        <button
          type="button"
          className="btn primary"
          disabled={busy !== null}
          onClick={() => void act('ack', 'Acknowledged')}
        >
          Acknowledge
        </button>
      )}
      {allowed.resolve && (
        <button
          type="button"
          className="btn"
          disabled={busy !== null}
          onClick={() => void act('resolve', 'Resolved')}
        >
          Resolve
        </button>
      )}
      {allowed.markFalse && (
        <button
          type="button"
          className="btn ghost"
          disabled={busy !== null}
          onClick={() => void act('mark-false', 'Marked false positive')}
          title="Resolve and send the frame to the annotation queue"
        >
          False positive
        </button>
      )}
    </div>
  );
}
