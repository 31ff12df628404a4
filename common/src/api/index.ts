/** API request/response body schemas shared by the gateway and the web apps (browser-safe). */
export * from './alerts.ts';
export * from './auth.ts';
export * from './cameras.ts';
export * from './common.ts';
export * from './detections.ts';
export * from './errors.ts';
export * from './misc.ts';
export * from './socket.ts';
export * from './users.ts';
export * from './zones-rules.ts';
