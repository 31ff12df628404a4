/**
 * Constant-velocity Kalman filter over a box [cx, cy, w, h] (ByteTrack's motion model, with a time step
 * in seconds so irregular frame rates — motion gating, keep-alives — are handled).
 *
 * With F = [[I, dt·I], [0, I]], H = [I, 0] and diagonal noise, the four coordinates never couple, so the
 * 8-state filter is exactly four independent 2-state (position, velocity) filters; that is what this is.
 */
export type KalmanNoise = {
  /** Measurement noise, as a fraction of the box size. */
  measurementStd: number;
  /** Random acceleration, as a fraction of the box size per second². */
  accelerationStd: number;
  /** Initial velocity uncertainty, as a fraction of the box size per second. */
  initialVelocityStd: number;
};

export const defaultKalmanNoise: KalmanNoise = {
  measurementStd: 0.05,
  accelerationStd: 0.6,
  initialVelocityStd: 1,
};

/** Position and velocity of one coordinate with its 2x2 covariance [p00, p01, p11]. */
type Axis = { x: number; v: number; p00: number; p01: number; p11: number };

export class BoxKalman {
  private readonly axes: Axis[];

  /** box: [x, y, w, h] (top-left corner). */
  constructor(
    box: readonly [number, number, number, number],
    private readonly noise: KalmanNoise = defaultKalmanNoise,
  ) {
    const m = toCenter(box);
    const size = Math.max(box[2], box[3], 1e-6);
    const pv = (2 * noise.measurementStd * size) ** 2;
    const vv = (noise.initialVelocityStd * size) ** 2;
    this.axes = m.map((x) => ({ x, v: 0, p00: pv, p01: 0, p11: vv }));
  }

  /** Advance the state by dt seconds. */
  predict(dt: number): void {
    if (!(dt > 0)) return;
    const size = this.size();
    const q = (this.noise.accelerationStd * size) ** 2;
    const dt2 = dt * dt;
    for (const a of this.axes) {
      a.x += a.v * dt;
      // P = F P F' + Q, with Q for a random (white) acceleration.
      const p00 = a.p00 + 2 * dt * a.p01 + dt2 * a.p11 + (q * dt2 * dt2) / 4;
      const p01 = a.p01 + dt * a.p11 + (q * dt2 * dt) / 2;
      const p11 = a.p11 + q * dt2;
      a.p00 = p00;
      a.p01 = p01;
      a.p11 = p11;
    }
    // Width and height cannot go negative.
    this.axes[2]!.x = Math.max(this.axes[2]!.x, 1e-6);
    this.axes[3]!.x = Math.max(this.axes[3]!.x, 1e-6);
  }

  /** Correct with a measured box [x, y, w, h]. */
  update(box: readonly [number, number, number, number]): void {
    const m = toCenter(box);
    const r = (this.noise.measurementStd * Math.max(box[2], box[3], 1e-6)) ** 2;
    this.axes.forEach((a, i) => {
      const s = a.p00 + r;
      const k0 = a.p00 / s;
      const k1 = a.p01 / s;
      const y = m[i]! - a.x;
      a.x += k0 * y;
      a.v += k1 * y;
      const p00 = (1 - k0) * a.p00;
      const p01 = (1 - k0) * a.p01;
      const p11 = a.p11 - k1 * a.p01;
      a.p00 = p00;
      a.p01 = p01;
      a.p11 = p11;
    });
  }

  /** Forget the motion (a stationary object): velocity 0 and small velocity uncertainty. */
  freeze(): void {
    const size = this.size();
    for (const a of this.axes) {
      a.v = 0;
      a.p01 = 0;
      a.p11 = Math.min(a.p11, (0.05 * size) ** 2);
    }
  }

  /** The current box [x, y, w, h]. */
  box(): [number, number, number, number] {
    const [cx, cy, w, h] = this.axes.map((a) => a.x) as [number, number, number, number];
    return [cx - w / 2, cy - h / 2, w, h];
  }

  /** Velocity of the centre [vx, vy] per second. */
  velocity(): [number, number] {
    return [this.axes[0]!.v, this.axes[1]!.v];
  }

  private size(): number {
    return Math.max(this.axes[2]!.x, this.axes[3]!.x, 1e-6);
  }
}

function toCenter(box: readonly [number, number, number, number]): [number, number, number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2, box[2], box[3]];
}
