/**
 * HTTP client of the gateway API (/api/v1): bearer tokens, refresh-token rotation (single flight, shared
 * across tabs with the Web Locks API so two tabs never present the same refresh token twice), and the
 * gateway's error shape turned into {@link ApiError} with per-field messages.
 */
import type { TokenPair } from '@sentinel/common/api/auth';
import type { FieldErrors } from '../lib/rule-form.ts';

const STORAGE_KEY = 'sentinel.session';
export const API_BASE = '/api/v1';

type StoredSession = { accessToken: string; refreshToken: string; expiresAt: number };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The gateway's validation details as editor field errors (`body.condition.zoneId` → `condition.zoneId`). */
  fieldErrors(): FieldErrors {
    const out: FieldErrors = {};
    for (const d of this.details) {
      const key = d.path.replace(/^(body|query|params)\.?/, '');
      out[key] = [...(out[key] ?? []), d.message];
    }
    return out;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null | string[]>;

export function buildQuery(query?: Query): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class ApiClient {
  private session: StoredSession | null = null;
  private refreshing: Promise<boolean> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private listeners = new Set<(loggedIn: boolean) => void>();

  constructor(private readonly storage: Storage = localStorage) {
    try {
      const raw = storage.getItem(STORAGE_KEY);
      if (raw) this.session = JSON.parse(raw) as StoredSession;
    } catch {
      this.session = null;
    }
    if (this.session) this.scheduleRefresh();
    window.addEventListener('storage', (e) => {
      if (e.key !== STORAGE_KEY) return;
      this.session = e.newValue ? (JSON.parse(e.newValue) as StoredSession) : null;
      this.emit();
    });
  }

  get accessToken(): string | undefined {
    return this.session?.accessToken;
  }

  get loggedIn(): boolean {
    return this.session !== null;
  }

  onSessionChange(fn: (loggedIn: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit() {
    for (const fn of this.listeners) fn(this.loggedIn);
  }

  private store(pair: TokenPair | null) {
    clearTimeout(this.refreshTimer);
    if (!pair) {
      this.session = null;
      this.storage.removeItem(STORAGE_KEY);
    } else {
      this.session = {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        expiresAt: Date.now() + pair.expiresIn * 1000,
      };
      this.storage.setItem(STORAGE_KEY, JSON.stringify(this.session));
      this.scheduleRefresh();
    }
    this.emit();
  }

  /** Refresh at 80 % of the access token's life so requests rarely meet an expired token. */
  private scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    if (!this.session) return;
    const delay = Math.max(5_000, (this.session.expiresAt - Date.now()) * 0.8);
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.min(delay, 2_000_000_000));
  }

  async login(username: string, password: string): Promise<void> {
    const pair = await this.raw<TokenPair>('POST', '/auth/login', { username, password }, false);
    this.store(pair);
  }

  async logout(): Promise<void> {
    const refreshToken = this.session?.refreshToken;
    try {
      if (refreshToken) await this.raw('POST', '/auth/logout', { refreshToken }, true);
    } catch {
      /* logging out locally is what matters */
    }
    this.store(null);
  }

  /** Rotate the refresh token; true when a fresh access token is in hand. Logs out when refused. */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const before = this.session?.refreshToken;
    const run = async (): Promise<boolean> => {
      // Another tab may have rotated it while we waited for the lock: adopt its session.
      const raw = this.storage.getItem(STORAGE_KEY);
      const current = raw ? (JSON.parse(raw) as StoredSession) : null;
      if (!current) {
        this.store(null);
        return false;
      }
      if (current.refreshToken !== before && current.expiresAt - Date.now() > 30_000) {
        this.session = current;
        this.scheduleRefresh();
        return true;
      }
      try {
        const pair = await this.raw<TokenPair>(
          'POST',
          '/auth/refresh',
          { refreshToken: current.refreshToken },
          false,
        );
        this.store(pair);
        return true;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 400)) this.store(null);
        return false;
      }
    };
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    const pending: Promise<boolean> = (
      locks ? locks.request('sentinel-refresh', () => run()).then((v) => v) : run()
    ).finally(() => {
      this.refreshing = null;
    });
    this.refreshing = pending;
    return pending;
  }

  /** One request; on 401 token_expired refreshes once and retries. */
  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = `${path}${buildQuery(opts.query)}`;
    try {
      return await this.raw<T>(method, url, opts.body, true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && this.session) {
        if (await this.refresh()) return this.raw<T>(method, url, opts.body, true);
      }
      throw err;
    }
  }

  get = <T>(path: string, query?: Query) => this.request<T>('GET', path, { query });
  post = <T>(path: string, body?: unknown) => this.request<T>('POST', path, { body: body ?? {} });
  put = <T>(path: string, body: unknown) => this.request<T>('PUT', path, { body });
  patch = <T>(path: string, body: unknown) => this.request<T>('PATCH', path, { body });
  del = <T>(path: string) => this.request<T>('DELETE', path);

  /** A request whose body is sent as-is (audio upload to the assistant). */
  async upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
    const res = await fetch(`${API_BASE}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...this.authHeader() },
      body,
    });
    return this.parse<T>(res);
  }

  private authHeader(): Record<string, string> {
    return this.session ? { authorization: `Bearer ${this.session.accessToken}` } : {};
  }

  private async raw<T>(method: string, path: string, body: unknown, auth: boolean): Promise<T> {
    const headers: Record<string, string> = auth ? this.authHeader() : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${API_BASE}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'the gateway cannot be reached');
    }
    return this.parse<T>(res);
  }

  private async parse<T>(res: Response): Promise<T> {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const e = (json as { error?: { code?: string; message?: string; details?: []; requestId?: string } })
      ?.error;
    throw new ApiError(
      res.status,
      e?.code ?? 'http_error',
      e?.message ?? `${res.status} ${res.statusText}`,
      e?.details ?? [],
      e?.requestId,
    );
  }
}

export const api = new ApiClient();
