/** Camera admin form ↔ API bodies, validated with the shared camera schema. */
import { cameraConfigSchema } from '@sentinel/common/schemas/camera';
import { type FieldErrors, issuesToFieldErrors, parseNumber } from './rule-form.ts';

export type CameraDraft = {
  id: string;
  name: string;
  url: string;
  username: string;
  /** blank = keep the stored password when editing */
  password: string;
  enabled: boolean;
  detectFps: string;
  decoder: 'auto' | 'software' | 'nvidia' | 'vaapi';
  motionEnabled: boolean;
  motionThreshold: string;
  detectRegions: 'full' | 'motion';
  tags: string;
};

export const newCameraDraft = (): CameraDraft => ({
  id: '',
  name: '',
  url: 'rtsp://',
  username: '',
  password: '',
  enabled: true,
  detectFps: '5',
  decoder: 'auto',
  motionEnabled: true,
  motionThreshold: '30',
  detectRegions: 'full',
  tags: '',
});

export function cameraToDraft(c: {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  detectFps: number;
  decoder: CameraDraft['decoder'];
  motion: { enabled: boolean; threshold: number };
  detectRegions: CameraDraft['detectRegions'];
  tags: string[];
}): CameraDraft {
  return {
    ...newCameraDraft(),
    id: c.id,
    name: c.name,
    url: c.url,
    enabled: c.enabled,
    detectFps: String(c.detectFps),
    decoder: c.decoder,
    motionEnabled: c.motion.enabled,
    motionThreshold: String(c.motion.threshold),
    detectRegions: c.detectRegions,
    tags: c.tags.join(', '),
  };
}

/** The create body (full config, credentials only when given). */
export function cameraDraftToInput(d: CameraDraft): Record<string, unknown> {
  return {
    id: d.id.trim(),
    name: d.name.trim(),
    url: d.url.trim(),
    ...(d.username ? { username: d.username } : {}),
    ...(d.password ? { password: d.password } : {}),
    enabled: d.enabled,
    detectFps: parseNumber(d.detectFps),
    decoder: d.decoder,
    motion: { enabled: d.motionEnabled, threshold: parseNumber(d.motionThreshold) },
    detectRegions: d.detectRegions,
    tags: d.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
}

export function validateCameraDraft(d: CameraDraft): {
  ok: boolean;
  errors: FieldErrors;
  value?: Record<string, unknown>;
} {
  const input = cameraDraftToInput(d);
  const r = cameraConfigSchema.safeParse(input, { reportInput: true });
  if (!r.success) return { ok: false, errors: issuesToFieldErrors(r.error.issues) };
  return { ok: true, errors: {}, value: input };
}

/** PATCH body for an existing camera: everything but the id; credentials only when typed in. */
export function cameraDraftToPatch(d: CameraDraft): Record<string, unknown> {
  const { id: _id, ...rest } = cameraDraftToInput(d);
  return rest;
}
