import { io, type Socket } from 'socket.io-client';

/** A socket.io client authenticated with a gateway access token and subscribed to the given rooms. */
export async function connectSocket(gatewayUrl: string, token: string, rooms: string[]): Promise<Socket> {
  const socket = io(gatewayUrl, { auth: { token }, transports: ['websocket'], reconnection: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(new Error(`socket.io connect failed: ${err.message}`)));
  });
  for (const room of rooms) {
    const ack = (await socket.timeout(5_000).emitWithAck('subscribe', { room })) as {
      ok: boolean;
      error?: unknown;
    };
    if (!ack.ok) throw new Error(`subscribe ${room} refused: ${JSON.stringify(ack)}`);
  }
  return socket;
}
