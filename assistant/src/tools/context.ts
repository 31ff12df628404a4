import type { Pool } from '@sentinel/common';
import type { AssistantCitation } from '@sentinel/common/api/assistant';
import type { SnapshotUrlFn } from '../citations/citations.ts';
import type { CameraStatusReader } from '../data/camera-status.ts';
import type { Catalog } from '../data/catalog.ts';
import type { EventIndex } from '../indexer/event-index.ts';

/** What the tools read from. */
export type ToolContext = {
  pool: Pool;
  index: EventIndex;
  catalog: Catalog;
  cameraStatus?: CameraStatusReader;
  timeZone: string;
  snapshotUrl: SnapshotUrlFn;
};

/** A tool's answer: JSON data for the model/template, and the events it is based on. */
export type ToolResult<T = unknown> = { data: T; citations: AssistantCitation[] };
