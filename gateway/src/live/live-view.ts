import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LiveInfo } from '@sentinel/common/api/index';
import type { Socket } from 'socket.io';

/**
 * Live video for the web apps, whatever the transport. `info` tells a client how to join;
 * transports mount what they need on the gateway's HTTP server (WebSocket upgrades) or on
 * socket.io (WebRTC signalling).
 */
export interface LiveView {
  /** The transport clients should use first. */
  readonly preferred: 'webrtc' | 'jsmpeg';
  info(cameraId: string): LiveInfo;
  /** Handle an HTTP upgrade if it belongs to this transport; returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Register signalling handlers on an authenticated socket.io connection. */
  attachSocket(socket: Socket): void;
  /** Stop everything for a camera (deleted or disabled). */
  stopCamera(cameraId: string): Promise<void>;
  /** Number of cameras being streamed and viewers connected. */
  stats(): { streams: number; viewers: number };
  close(): Promise<void>;
}

export type LiveServerHooks = { server: HttpServer };
