import { createContext, type MouseEvent, type ReactNode, useContext, useEffect, useState } from 'react';
import { matchRoute, type Route } from '../lib/routes.ts';

type RouterValue = { route: Route; path: string; navigate: (to: string, replace?: boolean) => void };
const RouterContext = createContext<RouterValue | null>(null);

/** Minimal history-API router: the gateway serves index.html for every non-API path (SPA fallback). */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const onPop = () => setLoc({ path: location.pathname, search: location.search });
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string, replace = false) => {
    if (replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    const u = new URL(to, location.origin);
    setLoc({ path: u.pathname, search: u.search });
    window.scrollTo(0, 0);
  };
  return (
    <RouterContext.Provider value={{ route: matchRoute(loc.path, loc.search), path: loc.path, navigate }}>
      {children}
    </RouterContext.Provider>
  );
}

export function useRouter(): RouterValue {
  const v = useContext(RouterContext);
  if (!v) throw new Error('useRouter outside RouterProvider');
  return v;
}

/** An <a> that navigates without a page load (ctrl/cmd-click still opens a new tab). */
export function Link({
  to,
  children,
  className,
  title,
  onClick,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  title?: string;
  onClick?: () => void;
}) {
  const { navigate, path } = useRouter();
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    onClick?.();
    navigate(to);
  };
  const active = to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);
  return (
    <a
      href={to}
      onClick={handle}
      className={[className, active ? 'active' : ''].filter(Boolean).join(' ')}
      aria-current={active ? 'page' : undefined}
      title={title}
    >
      {children}
    </a>
  );
}
