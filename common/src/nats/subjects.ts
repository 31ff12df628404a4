/** NATS subjects, streams, KV buckets and object stores: the only place these names are spelled. */
export const subjects = {
  frames: (cameraId: string) => `frames.${cameraId}`,
  framesAll: 'frames.>',
  detections: (cameraId: string) => `detections.${cameraId}`,
  detectionsAll: 'detections.>',
  alerts: (cameraId: string, event: string) => `alerts.${cameraId}.${event}`,
  alertsAll: 'alerts.>',
  annotateCandidates: (cameraId: string) => `annotate.candidates.${cameraId}`,
  annotateCandidatesAll: 'annotate.candidates.>',
  annotateFeedback: 'annotate.feedback',
  dlq: (stream: string) => `dlq.${stream}`,
  /** Inference workers announce themselves here (per queue group) so each camera has one owner. */
  inferenceHeartbeat: (group: string) => `inference.heartbeat.${group}`,
  /** A frame handed from the worker that received it to the camera's owner. */
  inferenceForward: (group: string, workerId: string, cameraId: string) =>
    `inference.forward.${group}.${workerId}.${cameraId}`,
  inferenceForwardAll: (group: string, workerId: string) => `inference.forward.${group}.${workerId}.>`,
  dlqAll: 'dlq.>',
  /** Request/reply: ask the ingest worker owning a camera for a fresh JPEG (reply: snapshotReplySchema). */
  snapshotRequest: (cameraId: string) => `snapshots.request.${cameraId}`,
  snapshotRequestAll: 'snapshots.request.*',
  /** Core NATS heartbeat of every ingest worker (ingestHeartbeatSchema), used to split cameras. */
  ingestHeartbeat: 'ingest.heartbeat',
} as const;

export const queueGroups = { inference: 'inference' } as const;

export const streamNames = {
  detections: 'DETECTIONS',
  alerts: 'ALERTS',
  hardExamples: 'HARD_EXAMPLES',
  dlq: 'DLQ',
} as const;

export const kvBuckets = {
  cameras: 'cameras',
  rules: 'rules',
  models: 'models',
  cameraLeases: 'camera-leases',
  cameraStatus: 'camera-status',
} as const;

export const objectStores = { snapshots: 'snapshots' } as const;

/** Header carrying a JSON dead-letter reason on messages sent to dlq.<stream>. */
export const DLQ_REASON_HEADER = 'Sentinel-Dlq-Reason';
export const DLQ_SOURCE_HEADER = 'Sentinel-Dlq-Subject';
