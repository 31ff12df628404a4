import type { CameraResponse } from '@sentinel/common/api/cameras';
import { useState } from 'react';
import { useElementSize } from '../app/hooks.ts';
import { tileState } from '../lib/wall-layout.ts';
import { DetectionOverlay, type OverlayLine, type OverlayZone } from './DetectionOverlay.tsx';
import { LivePlayer, type PlayerState } from './LivePlayer.tsx';

type Props = {
  camera: CameraResponse;
  compact?: boolean;
  zones?: OverlayZone[];
  lines?: OverlayLine[];
  onOpen?: () => void;
  showBoxes?: boolean;
};

/** One live camera: video, detection overlay, name and state badge. */
export function CameraTile({ camera, compact = false, zones, lines, onOpen, showBoxes = true }: Props) {
  const [ref, size] = useElementSize<HTMLDivElement>();
  const [player, setPlayer] = useState<PlayerState>('connecting');
  const [detail, setDetail] = useState<string | undefined>();
  const [media, setMedia] = useState({ w: 0, h: 0 });
  const [transport, setTransport] = useState<string>('');
  const badge = tileState(camera.status, player, camera.enabled);
  const source = camera.status?.source;
  return (
    <figure
      className={`tile ${compact ? 'compact' : ''}`}
      data-testid="camera-tile"
      data-camera={camera.id}
      data-state={badge.tone}
      data-player={player}
    >
      <div className="tile-video" ref={ref}>
        {camera.enabled ? (
          <LivePlayer
            cameraId={camera.id}
            onState={(s, d) => {
              setPlayer(s);
              setDetail(d);
            }}
            onMediaSize={(w, h) => setMedia({ w, h })}
            onTransport={setTransport}
          />
        ) : (
          <div className="tile-placeholder">camera disabled</div>
        )}
        {showBoxes && size.width > 0 && (
          <DetectionOverlay
            cameraId={camera.id}
            width={size.width}
            height={size.height}
            mediaWidth={media.w || source?.width || 0}
            mediaHeight={media.h || source?.height || 0}
            zones={zones}
            lines={lines}
            compact={compact}
          />
        )}
        {player !== 'playing' && camera.enabled && (
          <div className="tile-message">
            {player === 'error'
              ? (detail ?? 'live view unavailable')
              : player === 'stalled'
                ? 'video stalled, reconnecting…'
                : 'connecting…'}
          </div>
        )}
        {onOpen && (
          <button type="button" className="tile-open" onClick={onOpen} aria-label={`Open ${camera.name}`} />
        )}
      </div>
      <figcaption>
        <span className="tile-name">{camera.name}</span>
        <span className={`badge ${badge.tone}`} title={badge.detail ?? badge.label} data-testid="state-badge">
          {badge.label}
        </span>
        {!compact && transport && <span className="muted small">{transport}</span>}
      </figcaption>
    </figure>
  );
}
