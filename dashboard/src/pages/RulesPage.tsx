import type { ListResponse } from '@sentinel/common/api/common';
import type { RuleResponse } from '@sentinel/common/api/zones-rules';
import { api } from '../api/client.ts';
import { useAsync } from '../app/hooks.ts';
import { Link } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { toast } from '../components/Toasts.tsx';
import { rulePath } from '../lib/routes.ts';
import { CONDITION_TYPES } from '../lib/rule-form.ts';

export function RulesPage() {
  const { can } = useSession();
  const rules = useAsync(
    () => api.get<ListResponse<RuleResponse>>('/rules', { limit: 200 }).then((r) => r.items),
    [],
  );
  const toggle = async (r: RuleResponse) => {
    try {
      const updated = await api.patch<RuleResponse>(`/rules/${encodeURIComponent(r.id)}`, {
        enabled: !r.enabled,
      });
      rules.setData((list) => list?.map((x) => (x.id === r.id ? updated : x)));
    } catch (err) {
      toast({ kind: 'error', title: 'Could not change the rule', body: (err as Error).message });
    }
  };
  return (
    <section className="page">
      <div className="toolbar">
        <h1>Rules</h1>
        {can('rules:write') && (
          <Link to="/rules/new" className="btn primary">
            New rule
          </Link>
        )}
      </div>
      {rules.error && <p className="error">{rules.error.message}</p>}
      {rules.data?.length === 0 && (
        <p className="empty">No rules yet: draw a zone and say what should raise an alert.</p>
      )}
      <table className="table" data-testid="rules-table">
        <thead>
          <tr>
            <th>Armed</th>
            <th>Name</th>
            <th>Cameras</th>
            <th>Condition</th>
            <th>Classes</th>
            <th className="hide-sm">Severity</th>
            <th className="hide-sm">Cooldown</th>
          </tr>
        </thead>
        <tbody>
          {(rules.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>
                <input
                  type="checkbox"
                  checked={r.enabled}
                  disabled={!can('rules:write')}
                  onChange={() => void toggle(r)}
                  aria-label={`Arm ${r.name}`}
                />
              </td>
              <td>
                <Link to={rulePath(r.id)}>{r.name}</Link>
              </td>
              <td>{r.cameraIds.join(', ')}</td>
              <td>{CONDITION_TYPES.find((c) => c.value === r.condition.type)?.label ?? r.condition.type}</td>
              <td>{r.labels.join(', ')}</td>
              <td className="hide-sm">
                <span className={`sev ${r.severity}`}>{r.severity}</span>
              </td>
              <td className="hide-sm">{r.cooldownSeconds} s</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
