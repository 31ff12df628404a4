/**
 * Keys in the `snapshots` object store. Proposed convention (ingest writes, alerts/gateway read):
 * one JPEG per snapshotted frame at `<cameraId>/<frameId>.jpg`, and the newest at `<cameraId>/latest.jpg`.
 */
export const snapshotKeys = {
  frame: (cameraId: string, frameId: string) => `${cameraId}/${frameId}.jpg`,
  latest: (cameraId: string) => `${cameraId}/latest.jpg`,
} as const;
