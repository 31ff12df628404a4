/** Seeds the demo through the gateway API (idempotent): camera, a zone and a zone rule that fires on people. */
export type SeedResult = {
  cameraId: string;
  zoneId: string;
  ruleId: string;
  accessToken: string;
};
/** The zone: the middle band of the vtest plaza, which pedestrians walk into from both sides. */
export declare const DEMO_ZONE_POLYGON: [number, number][];
export declare function seedDemo(opts: {
  gatewayUrl: string;
  adminPassword: string;
  cameraId: string;
  url: string;
  tags?: string[];
}): Promise<SeedResult>;
