import type { Permission } from '@sentinel/common/auth/roles';
import { type ReactNode, useEffect, useState } from 'react';
import { AssistantPanel } from '../components/AssistantPanel.tsx';
import { Toasts } from '../components/Toasts.tsx';
import { AlertDetailPage } from '../pages/AlertDetailPage.tsx';
import { AlertsPage } from '../pages/AlertsPage.tsx';
import { CameraEditPage } from '../pages/CameraEditPage.tsx';
import { CamerasAdminPage } from '../pages/CamerasAdminPage.tsx';
import { FocusPage } from '../pages/FocusPage.tsx';
import { HistoryPage } from '../pages/HistoryPage.tsx';
import { LoginPage } from '../pages/LoginPage.tsx';
import { RuleEditorPage } from '../pages/RuleEditorPage.tsx';
import { RulesPage } from '../pages/RulesPage.tsx';
import { SettingsPage } from '../pages/SettingsPage.tsx';
import { WallPage } from '../pages/WallPage.tsx';
import { LiveAlertsProvider, useLiveAlerts } from './live-alerts.tsx';
import { Link, RouterProvider, useRouter } from './router.tsx';
import { SessionProvider, useSession } from './session.tsx';

export function App() {
  return (
    <RouterProvider>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </RouterProvider>
  );
}

/** Logged out → login page (remembering where to go next); logged in → the shell. */
function Gate() {
  const { me, checking } = useSession();
  const { route, path, navigate } = useRouter();
  useEffect(() => {
    if (!checking && !me && route.name !== 'login')
      navigate(`/login?next=${encodeURIComponent(path + location.search)}`, true);
    if (me && route.name === 'login') navigate(route.next ?? '/', true);
  }, [checking, me, route, path, navigate]);
  // The service worker asks an open window to navigate when a notification is clicked.
  useEffect(() => {
    const onMsg = (e: MessageEvent) => {
      if (e.data?.type === 'navigate' && typeof e.data.url === 'string')
        navigate(new URL(e.data.url).pathname);
    };
    navigator.serviceWorker?.addEventListener('message', onMsg);
    return () => navigator.serviceWorker?.removeEventListener('message', onMsg);
  }, [navigate]);
  if (checking) return <div className="splash">Sentinel…</div>;
  if (!me) return <LoginPage />;
  return (
    <LiveAlertsProvider>
      <Shell />
    </LiveAlertsProvider>
  );
}

type NavItem = { to: string; label: string; icon: string; perm: Permission };
const NAV: NavItem[] = [
  { to: '/', label: 'Live', icon: '▦', perm: 'live:view' },
  { to: '/alerts', label: 'Alerts', icon: '⚠', perm: 'alerts:read' },
  { to: '/history', label: 'History', icon: '◔', perm: 'detections:read' },
  { to: '/rules', label: 'Rules', icon: '⬠', perm: 'rules:read' },
  { to: '/admin/cameras', label: 'Cameras', icon: '⌂', perm: 'cameras:write' },
  { to: '/settings', label: 'Settings', icon: '⚙', perm: 'cameras:read' },
];

function Shell() {
  const { me, can, logout } = useSession();
  const { route } = useRouter();
  const { unseen } = useLiveAlerts();
  const [menuOpen, setMenuOpen] = useState(false);
  const items = NAV.filter((n) => can(n.perm) || n.to === '/settings');
  return (
    <div className="shell">
      <header className="topbar">
        <button
          type="button"
          className="icon-btn menu-toggle"
          aria-label="Menu"
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen((v) => !v)}
        >
          ☰
        </button>
        <Link to="/" className="brand">
          <img src="/icons/sentinel.svg" alt="" width={24} height={24} /> Sentinel
        </Link>
        <nav className={`nav ${menuOpen ? 'open' : ''}`} aria-label="Main">
          {items.map((n) => (
            <Link key={n.to} to={n.to} onClick={() => setMenuOpen(false)}>
              <span className="nav-icon" aria-hidden>
                {n.icon}
              </span>
              {n.label}
              {n.to === '/alerts' && unseen > 0 && (
                <span className="count-badge" data-testid="unseen-alerts">
                  {unseen}
                </span>
              )}
            </Link>
          ))}
        </nav>
        <div className="user">
          <span className="user-name" title={`role: ${me?.role}`}>
            {me?.username} <span className="role">{me?.role}</span>
          </span>
          <button type="button" className="btn ghost" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main className="content">
        <Page name={route.name} />
      </main>
      {can('assistant:query') && <AssistantPanel />}
      <Toasts />
    </div>
  );
}

function Page({ name }: { name: string }): ReactNode {
  const { route } = useRouter();
  const { can } = useSession();
  const guard = (perm: Permission, node: ReactNode) => (can(perm) ? node : <Forbidden perm={perm} />);
  switch (route.name) {
    case 'wall':
      return guard('live:view', <WallPage />);
    case 'camera':
      return guard('live:view', <FocusPage cameraId={route.id} />);
    case 'alerts':
      return guard('alerts:read', <AlertsPage />);
    case 'alert':
      return guard('alerts:read', <AlertDetailPage id={route.id} />);
    case 'history':
      return guard('detections:read', <HistoryPage />);
    case 'rules':
      return guard('rules:read', <RulesPage />);
    case 'rule':
      return guard('rules:read', <RuleEditorPage id={route.id} />);
    case 'cameras':
      return guard('cameras:read', <CamerasAdminPage />);
    case 'cameraEdit':
      return guard('cameras:read', <CameraEditPage id={route.id} />);
    case 'settings':
      return <SettingsPage />;
    default:
      return (
        <section className="page">
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{name === 'notFound' && 'path' in route ? route.path : ''}</code>.{' '}
            <Link to="/">Back to the cameras</Link>
          </p>
        </section>
      );
  }
}

function Forbidden({ perm }: { perm: string }) {
  return (
    <section className="page">
      <h1>Not allowed</h1>
      <p>
        Your role does not include <code>{perm}</code>. Ask an administrator.
      </p>
    </section>
  );
}
