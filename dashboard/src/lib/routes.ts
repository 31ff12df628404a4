/** URL paths of the app and their matching, kept apart from React so it can be tested. */

export type Route =
  | { name: 'login'; next?: string }
  | { name: 'wall' }
  | { name: 'camera'; id: string }
  | { name: 'alerts' }
  | { name: 'alert'; id: string }
  | { name: 'history' }
  | { name: 'rules' }
  | { name: 'rule'; id: string }
  | { name: 'cameras' }
  | { name: 'cameraEdit'; id: string }
  | { name: 'settings' }
  | { name: 'notFound'; path: string };

const patterns: [RegExp, (m: RegExpMatchArray) => Route][] = [
  [/^\/$/, () => ({ name: 'wall' })],
  [/^\/camera\/([^/]+)$/, (m) => ({ name: 'camera', id: decodeURIComponent(m[1]!) })],
  [/^\/alerts$/, () => ({ name: 'alerts' })],
  [/^\/alerts\/([^/]+)$/, (m) => ({ name: 'alert', id: decodeURIComponent(m[1]!) })],
  [/^\/history$/, () => ({ name: 'history' })],
  [/^\/rules$/, () => ({ name: 'rules' })],
  [/^\/rules\/([^/]+)$/, (m) => ({ name: 'rule', id: decodeURIComponent(m[1]!) })],
  [/^\/admin\/cameras$/, () => ({ name: 'cameras' })],
  [/^\/admin\/cameras\/([^/]+)$/, (m) => ({ name: 'cameraEdit', id: decodeURIComponent(m[1]!) })],
  [/^\/settings$/, () => ({ name: 'settings' })],
];

export function matchRoute(pathname: string, search = ''): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/login') {
    const next = new URLSearchParams(search).get('next') ?? undefined;
    return next?.startsWith('/') && !next.startsWith('//') ? { name: 'login', next } : { name: 'login' };
  }
  for (const [re, make] of patterns) {
    const m = path.match(re);
    if (m) return make(m);
  }
  return { name: 'notFound', path };
}

/** Deep link of an alert (used by notifications and the feed). */
export const alertPath = (id: string) => `/alerts/${encodeURIComponent(id)}`;
export const livePath = (cameraId: string) => `/camera/${encodeURIComponent(cameraId)}`;
export const rulePath = (id: string) => `/rules/${encodeURIComponent(id)}`;
export const cameraEditPath = (id: string) => `/admin/cameras/${encodeURIComponent(id)}`;
