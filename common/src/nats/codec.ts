import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import type { z } from 'zod';
import { formatZodIssues } from '../config/errors.ts';
import { FRAME_META_HEADER, type FrameMeta, frameMetaSchema } from '../schemas/frame.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Raised when a message does not match its schema; `issues` have field paths. */
export class MessageValidationError extends Error {
  constructor(
    readonly schemaName: string,
    readonly issues: string[],
  ) {
    super(`invalid ${schemaName} message: ${issues.join('; ')}`);
    this.name = 'MessageValidationError';
  }
}

/** Validate then JSON-encode. */
export function encodeJson<S extends z.ZodType>(schema: S, name: string, value: z.input<S>): Uint8Array {
  return enc.encode(JSON.stringify(parseMessage(schema, name, value)));
}

/** JSON-decode then validate; throws MessageValidationError with field paths. */
export function decodeJson<S extends z.ZodType>(schema: S, name: string, data: Uint8Array): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(dec.decode(data));
  } catch (err) {
    throw new MessageValidationError(name, [`(root): not JSON (${(err as Error).message})`]);
  }
  return parseMessage(schema, name, raw);
}

export function parseMessage<S extends z.ZodType>(schema: S, name: string, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new MessageValidationError(name, formatZodIssues(r.error));
  return r.data;
}

/** Frame metadata travels as one JSON header next to the raw RGB payload. */
export function frameHeaders(meta: FrameMeta): MsgHdrs {
  const h = natsHeaders();
  h.set(FRAME_META_HEADER, JSON.stringify(meta));
  return h;
}

export function readFrameHeaders(h: MsgHdrs | undefined): FrameMeta {
  const raw = h?.get(FRAME_META_HEADER);
  if (!raw) throw new MessageValidationError('frame', [`headers.${FRAME_META_HEADER}: missing`]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new MessageValidationError('frame', [`headers.${FRAME_META_HEADER}: not JSON`]);
  }
  return parseMessage(frameMetaSchema, 'frame', parsed);
}
