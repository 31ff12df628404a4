import { useCallback, useEffect, useState } from 'react';
import { api, HttpError, initialToken, type Me, saveToken, setApiToken } from './api.ts';
import { ExportsPage } from './pages/Exports.tsx';
import { ModelsPage } from './pages/Models.tsx';
import { Queue } from './pages/Queue.tsx';
import { StatsPage } from './pages/Stats.tsx';

type Tab = 'annotate' | 'review' | 'stats' | 'exports' | 'models';
const TABS: Array<{ id: Tab; label: string; perm: string }> = [
  { id: 'annotate', label: 'Annotate', perm: 'annotation:write' },
  { id: 'review', label: 'Review', perm: 'annotation:review' },
  { id: 'stats', label: 'Stats', perm: 'annotation:read' },
  { id: 'exports', label: 'Datasets', perm: 'annotation:export' },
  { id: 'models', label: 'Models', perm: 'annotation:read' },
];

const tabFromHash = (): Tab => {
  const t = new URLSearchParams(location.hash.slice(1)).get('tab');
  return TABS.some((x) => x.id === t) ? (t as Tab) : 'annotate';
};

export function App() {
  const [token, setToken] = useState<string | null>(() => {
    const t = initialToken();
    setApiToken(t);
    return t;
  });
  const [me, setMe] = useState<Me | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>(tabFromHash);
  const [labels, setLabels] = useState<string[]>([]);
  const [paste, setPaste] = useState('');

  useEffect(() => {
    setApiToken(token);
    if (!token) return;
    api<Me>('/me').then(setMe, (e) => {
      setAuthError(
        e instanceof HttpError && e.status === 401 ? `Sign-in needed: ${e.message}` : (e as Error).message,
      );
      setMe(null);
    });
  }, [token]);

  const loadLabels = useCallback(() => {
    api<{ coco: string[]; custom: string[] }>('/labels').then(
      (l) => setLabels([...l.coco, ...l.custom]),
      () => {},
    );
  }, []);
  useEffect(() => {
    if (me) loadLabels();
  }, [me, loadLabels]);

  const go = (t: Tab) => {
    setTab(t);
    history.replaceState(null, '', `#tab=${t}`);
  };

  if (!token || !me) {
    return (
      <main className="signin">
        <h1>Sentinel Annotator</h1>
        {authError && <div className="error">{authError}</div>}
        <p>
          Open this page from the Sentinel dashboard (signed in), or paste an access token from{' '}
          <code>POST /api/v1/auth/login</code>.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            saveToken(paste.trim());
            setAuthError(null);
            setToken(paste.trim());
          }}
        >
          <input
            className="token-input"
            aria-label="access token"
            value={paste}
            onChange={(e) => setPaste(e.target.value)}
            placeholder="access token"
          />
          <button type="submit">Sign in</button>
        </form>
      </main>
    );
  }

  const can = (p: string) => me.permissions.includes(p);
  return (
    <div className="app">
      <header>
        <h1>Sentinel Annotator</h1>
        <nav>
          {TABS.filter((t) => can(t.perm)).map((t) => (
            <button key={t.id} type="button" className={tab === t.id ? 'on' : ''} onClick={() => go(t.id)}>
              {t.label}
            </button>
          ))}
        </nav>
        <span className="who">
          {me.user.username} <small>({me.user.role})</small>
          <button
            type="button"
            onClick={() => {
              saveToken(null);
              setToken(null);
              setMe(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        {tab === 'annotate' && (
          <Queue key="a" stage="annotation" labels={labels} onLabelsChanged={loadLabels} />
        )}
        {tab === 'review' && <Queue key="r" stage="review" labels={labels} onLabelsChanged={loadLabels} />}
        {tab === 'stats' && <StatsPage />}
        {tab === 'exports' && <ExportsPage />}
        {tab === 'models' && <ModelsPage canWrite={can('models:write')} token={token} />}
      </main>
    </div>
  );
}
