/** Seeds the demo through the gateway API (idempotent): camera, a zone and a zone rule that fires on people. */
export type SeedResult = { cameraId: string; zoneId: string; ruleId: string; accessToken: string };

async function api(base: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The zone: the middle band of the vtest plaza, which pedestrians walk into from both sides. */
export const DEMO_ZONE_POLYGON: [number, number][] = [
  [0.3, 0.25],
  [0.7, 0.25],
  [0.7, 0.95],
  [0.3, 0.95],
];

export async function seedDemo(opts: {
  gatewayUrl: string;
  adminPassword: string;
  cameraId: string;
  url: string;
  tags?: string[];
}): Promise<SeedResult> {
  const login = await api(opts.gatewayUrl, undefined, 'POST', '/auth/login', {
    username: 'admin',
    password: opts.adminPassword,
  });
  if (login.status !== 200)
    throw new Error(
      `seed: admin login failed (${login.status}); set SENTINEL_ADMIN_PASSWORD or check .data/admin-password`,
    );
  const token: string = login.body.accessToken;
  const cameraId = opts.cameraId;
  const zoneId = `${cameraId}-walkway`;
  const ruleId = `${cameraId}-person-enters-walkway`;
  const ensure = async (path: string, body: unknown) => {
    const r = await api(opts.gatewayUrl, token, 'POST', path, body);
    if (r.status !== 201 && r.status !== 409)
      throw new Error(`seed: POST ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  };
  await ensure('/cameras', {
    id: cameraId,
    name: 'Demo plaza',
    url: opts.url,
    detectFps: 5,
    tags: opts.tags ?? [],
  });
  await ensure('/zones', {
    id: zoneId,
    cameraId,
    name: 'Walkway',
    polygon: DEMO_ZONE_POLYGON,
    inertiaFrames: 2,
  });
  await ensure('/rules', {
    id: ruleId,
    name: 'Person enters the walkway',
    cameraIds: [cameraId],
    labels: ['person'],
    minScore: 0.4,
    condition: { type: 'enter', zoneId },
    cooldownSeconds: 20,
    severity: 'warning',
  });
  return { cameraId, zoneId, ruleId, accessToken: token };
}
