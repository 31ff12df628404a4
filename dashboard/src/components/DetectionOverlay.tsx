import type { DetectionBatch, TrackedDetection } from '@sentinel/common/schemas/detection';
import { useEffect, useRef, useState } from 'react';
import { realtime } from '../api/socket.ts';
import { DetectionTimeline } from '../lib/detection-timeline.ts';
import {
  boxToPixels,
  containRect,
  directedLineGeometry,
  type LineDirection,
  labelColour,
  labelPosition,
  occupiedZones,
  type Point,
  polygonPath,
} from '../lib/overlay-geometry.ts';

export type OverlayZone = { id: string; name: string; polygon: readonly Point[] };
export type OverlayLine = { a: Point; b: Point; direction: LineDirection };

type Props = {
  cameraId: string;
  /** element size (px) */
  width: number;
  height: number;
  /** picture size when known (video), else the detections' source size is used */
  mediaWidth: number;
  mediaHeight: number;
  zones?: OverlayZone[];
  lines?: OverlayLine[];
  /** how far the video lags real time (ms) */
  videoDelayMs?: number;
  compact?: boolean;
  onSourceSize?: (w: number, h: number) => void;
};

/**
 * Tracked boxes (label, score, track id) and zones drawn over a live picture. Detections arrive on
 * socket.io (`detections`, room camera:<id>), go through a {@link DetectionTimeline} and are drawn for the
 * picture on screen, re-evaluated ten times a second.
 */
export function DetectionOverlay(props: Props) {
  const { cameraId, width, height, zones = [], lines = [], videoDelayMs = 0, compact = false } = props;
  const [batch, setBatch] = useState<{
    at: number;
    source: { width: number; height: number };
    dets: TrackedDetection[];
  } | null>(null);
  const timeline = useRef(new DetectionTimeline<TrackedDetection>({ holdMs: 1500 }));
  const sources = useRef<{ width: number; height: number } | null>(null);
  const onSource = useRef(props.onSourceSize);
  onSource.current = props.onSourceSize;

  useEffect(() => {
    const tl = timeline.current;
    tl.clear();
    const leave = realtime.joinRoom(`camera:${cameraId}`);
    const off = realtime.on<DetectionBatch>('detections', (b) => {
      if (b.cameraId !== cameraId) return;
      tl.push({ capturedAt: b.capturedAt, receivedAt: Date.now(), items: b.detections });
      if (
        !sources.current ||
        sources.current.width !== b.source.width ||
        sources.current.height !== b.source.height
      ) {
        sources.current = b.source;
        onSource.current?.(b.source.width, b.source.height);
      }
    });
    let shown: number | undefined;
    const tick = setInterval(() => {
      const pick = tl.at(Date.now(), videoDelayMs);
      if (pick?.capturedAt === shown) return;
      shown = pick?.capturedAt;
      setBatch(
        pick
          ? { at: pick.capturedAt, source: sources.current ?? { width: 16, height: 9 }, dets: pick.items }
          : null,
      );
    }, 100);
    return () => {
      leave();
      off();
      clearInterval(tick);
    };
  }, [cameraId, videoDelayMs]);

  const mw = props.mediaWidth || batch?.source.width || 16;
  const mh = props.mediaHeight || batch?.source.height || 9;
  const rect = containRect(width, height, mw, mh);
  const dets = batch?.dets.filter((d) => d.trackState !== 'lost') ?? [];
  const hot = occupiedZones(
    dets.map((d) => d.box),
    zones,
  );
  const fontSize = compact ? 10 : 12;
  const labelH = fontSize + 4;

  return (
    <svg className="overlay" width={width} height={height} aria-hidden data-testid="overlay">
      {zones.map((z) => (
        <g key={z.id} className={`zone ${hot.has(z.id) ? 'occupied' : ''}`} data-zone={z.id}>
          <path d={polygonPath(z.polygon, rect)} />
          {!compact && z.polygon[0] && (
            <text
              x={rect.x + z.polygon[0][0] * rect.width + 4}
              y={rect.y + z.polygon[0][1] * rect.height + 14}
            >
              {z.name}
            </text>
          )}
        </g>
      ))}
      {lines.map((l, i) => {
        const g = directedLineGeometry(l.a, l.b, l.direction, rect);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no id
          <g key={i} className="tripwire">
            <line x1={g.a[0]} y1={g.a[1]} x2={g.b[0]} y2={g.b[1]} />
            {g.arrows.map((a) => (
              <line
                key={a.from.join(',')}
                className="arrow"
                x1={a.from[0]}
                y1={a.from[1]}
                x2={a.to[0]}
                y2={a.to[1]}
                markerEnd="url(#arrowhead)"
              />
            ))}
          </g>
        );
      })}
      <defs>
        <marker id="arrowhead" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto">
          <path d="M0,0 L8,4 L0,8 z" fill="#facc15" />
        </marker>
      </defs>
      {dets.map((d) => {
        const px = boxToPixels(d.box, rect);
        const colour = labelColour(d.label);
        const text = compact
          ? `${d.label} ${Math.round(d.score * 100)}%`
          : `${d.label} ${Math.round(d.score * 100)}% #${d.trackId}`;
        const lp = labelPosition(px, labelH, rect);
        return (
          <g
            key={d.trackId}
            className={`det ${d.stationary ? 'stationary' : ''} ${d.trackState}`}
            data-testid="det-box"
            data-label={d.label}
            data-track={d.trackId}
          >
            <rect x={px.x} y={px.y} width={px.width} height={px.height} stroke={colour} />
            <rect
              className="label-bg"
              x={lp.x}
              y={lp.y}
              width={text.length * fontSize * 0.6 + 6}
              height={labelH}
              fill={colour}
            />
            <text x={lp.x + 3} y={lp.y + fontSize} fontSize={fontSize}>
              {text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
