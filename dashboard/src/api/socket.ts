/**
 * The one socket.io connection of the app. Rooms are reference-counted: components call
 * `joinRoom('camera:x')` and the returned function leaves; rooms are re-joined after every reconnect.
 * A refused handshake because the access token expired triggers a token refresh and a reconnect.
 */
import { io, type Socket } from 'socket.io-client';
import { type ApiClient, api } from './client.ts';

type Handler = (payload: never) => void;

class Realtime {
  private socket: Socket | null = null;
  private rooms = new Map<string, number>();
  private handlers = new Map<string, Set<Handler>>();
  private stateListeners = new Set<(connected: boolean) => void>();

  constructor(private readonly client: ApiClient) {
    client.onSessionChange((loggedIn) => {
      if (!loggedIn) this.disconnect();
    });
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  private ensure(): Socket {
    if (this.socket) return this.socket;
    const socket = io({
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      auth: (cb) => cb({ token: this.client.accessToken ?? '' }),
    });
    socket.on('connect', () => {
      for (const room of this.rooms.keys()) socket.emit('subscribe', { room }, () => {});
      for (const fn of this.stateListeners) fn(true);
    });
    socket.on('disconnect', () => {
      for (const fn of this.stateListeners) fn(false);
    });
    socket.on('connect_error', async (err) => {
      if (err.message === 'token_expired' || err.message === 'unauthorized') {
        if (await this.client.refresh()) socket.connect();
      }
    });
    socket.onAny((event: string, payload: unknown) => {
      for (const h of this.handlers.get(event) ?? []) (h as (p: unknown) => void)(payload);
    });
    this.socket = socket;
    return socket;
  }

  /** Join a room (`alerts` or `camera:<id>`); returns the leave function. */
  joinRoom(room: string): () => void {
    const socket = this.ensure();
    const n = this.rooms.get(room) ?? 0;
    this.rooms.set(room, n + 1);
    if (n === 0 && socket.connected) socket.emit('subscribe', { room }, () => {});
    return () => {
      const left = (this.rooms.get(room) ?? 1) - 1;
      if (left > 0) this.rooms.set(room, left);
      else {
        this.rooms.delete(room);
        if (socket.connected) socket.emit('unsubscribe', { room }, () => {});
      }
    };
  }

  on<T>(event: string, handler: (payload: T) => void): () => void {
    this.ensure();
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler as Handler);
    this.handlers.set(event, set);
    return () => set.delete(handler as Handler);
  }

  onConnection(fn: (connected: boolean) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Request/ack call (mediasoup signalling). */
  call<T>(event: string, payload: unknown, timeoutMs = 5000): Promise<T> {
    const socket = this.ensure();
    return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
  }

  disconnect() {
    this.socket?.disconnect();
    this.socket = null;
    this.rooms.clear();
  }
}

export const realtime = new Realtime(api);
