import { ManagedProcess } from './process-group.ts';
import { type SeedResult } from './seed-demo.ts';
import { type ServiceName } from './services.ts';
export type SystemOptions = {
  /** Services to start (default: all). */
  services?: ServiceName[];
  /** Port overrides, e.g. { PORT: '18080', INGEST_OPS_PORT: '19101' }; tests use these to stay off a running system. */
  ports?: Partial<Record<string, number>>;
  /** Extra env for every service (DATABASE_URL of a test database, tuned intervals, ...). */
  env?: Record<string, string>;
  /** RTSP port of the demo camera (started when seeding or when demoCamera is true). */
  rtspPort?: number;
  demoCamera?: boolean;
  /** Create the demo camera, a zone and a zone rule through the API (idempotent). */
  seed?:
    | boolean
    | {
        cameraId?: string;
        rtspPath?: string;
      };
  logDir?: string;
  progress?: (line: string) => void;
  /**
   * Tests: a fresh migrated database, free ports for every service, a random admin password and an
   * ingest worker group of its own (its cameras carry the tag `ingest:<group>`), so the system stays
   * apart from anything else running on the same NATS.
   */
  isolated?: boolean;
};
export type RunningSystem = {
  gatewayUrl: string;
  adminPassword: string;
  seed?: SeedResult;
  /** Tags a camera needs so this system's ingest workers take it (isolated mode). */
  cameraTags: string[];
  demoCameraUrl: string;
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  processes: Map<ServiceName, ManagedProcess>;
  /** Start one more instance of a service (scale-out and fault tests). */
  startExtra(name: ServiceName, env: Record<string, string>, label: string): Promise<ManagedProcess>;
  stop(): Promise<void>;
};
/** Start the demo camera and every service, wait until each /readyz answers 200, seed the demo rule. */
export declare function freePort(): Promise<number>;
export declare function startSystem(opts?: SystemOptions): Promise<RunningSystem>;
/** The admin password the gateway generated on first start (kept in .data/admin-password). */
export declare function readAdminPassword(dataDir?: string): Promise<string>;
