/** Talks only to /api/v1/annotation (directly or through the gateway), with the bearer token. */
export const API = '/api/v1/annotation';
const TOKEN_KEYS = ['sentinel.annotator.accessToken', 'sentinel.accessToken'];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** Token from the URL fragment (#access_token=…, then removed from the address bar) or storage. */
export function initialToken(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get('access_token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEYS[0]!, fromHash);
    params.delete('access_token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return fromHash;
  }
  for (const k of TOKEN_KEYS) {
    const v = sessionStorage.getItem(k) ?? localStorage.getItem(k);
    if (v) return v;
  }
  return null;
}

export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEYS[0]!, token);
  else for (const k of TOKEN_KEYS) sessionStorage.removeItem(k);
}

let token: string | null = null;
export const setApiToken = (t: string | null) => {
  token = t;
};

export async function api<T = unknown>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${API}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.body !== undefined ? JSON.stringify(init.body) : null,
  });
  if (res.status === 204) return null as T;
  const ct = res.headers.get('content-type') ?? '';
  const body = ct.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = (body as { error?: { message?: string; reason?: string } })?.error;
    throw new HttpError(res.status, err?.message ?? `${res.status} ${res.statusText}`, err?.reason, body);
  }
  return body as T;
}

/** Fetch a binary resource with the token (images, zips): returns an object URL. */
export async function blobUrl(path: string): Promise<string> {
  const res = await fetch(path.startsWith('/') ? path : `${API}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw new HttpError(res.status, `${res.status} ${res.statusText}`);
  return URL.createObjectURL(await res.blob());
}

export type Box = [number, number, number, number];
export type EditBox = { id: string; label: string; box: Box; source: 'model' | 'human' };
export type Task = {
  id: number;
  stage: 'annotation' | 'review' | 'accepted' | 'rejected';
  version: number;
  assignee: string | null;
  leaseExpiresAt: number | null;
  comment: string | null;
  imageUrl: string;
  example: {
    id: string;
    cameraId: string;
    reason: string;
    width: number;
    height: number;
    modelId: string;
    trackId: string | null;
    capturedAt: number;
  };
  modelBoxes: Array<{ label: string; box: Box; source: 'model'; score?: number }>;
  annotation: {
    annotator: string;
    boxes: Array<{ label: string; box: Box; source: 'model' | 'human' }>;
    noObjects: boolean;
  } | null;
  history: Array<{ kind: string; actor: string; at: number; decision?: string; comment?: string }>;
};
export type Me = { user: { id: string; username: string; role: string }; permissions: string[] };
