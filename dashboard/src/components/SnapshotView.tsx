import type { ReactNode } from 'react';
import { useState } from 'react';
import { useElementSize } from '../app/hooks.ts';
import { containRect, type Rect } from '../lib/overlay-geometry.ts';

/**
 * A still picture with an SVG layer in the same coordinates: `children(rect)` draws in element pixels
 * where `rect` is the picture's content rectangle (object-fit: contain).
 */
export function SnapshotView({
  src,
  alt,
  children,
  onPointer,
  className,
  pending = false,
}: {
  src: string | null | undefined;
  alt: string;
  children?: (rect: Rect, size: { width: number; height: number }) => ReactNode;
  onPointer?: (kind: 'down' | 'move' | 'up', x: number, y: number, rect: Rect, e: React.PointerEvent) => void;
  className?: string;
  /** the picture's URL is still being fetched */
  pending?: boolean;
}) {
  const [ref, size] = useElementSize<HTMLDivElement>();
  const [natural, setNatural] = useState({ w: 16, h: 9 });
  const [failed, setFailed] = useState(false);
  const [loaded, setLoaded] = useState(false);
  // Drawing waits for the picture: its size decides where a click lands in normalised coordinates.
  const ready = !pending && (!src || failed || loaded);
  // A new picture URL: wait for it again.
  const [shownSrc, setShownSrc] = useState(src);
  if (shownSrc !== src) {
    setShownSrc(src);
    setLoaded(false);
    setFailed(false);
  }
  const rect = containRect(size.width, size.height, natural.w, natural.h);
  const handler = (kind: 'down' | 'move' | 'up') => (e: React.PointerEvent<SVGSVGElement>) => {
    if (!onPointer || !ready) return;
    const box = e.currentTarget.getBoundingClientRect();
    onPointer(kind, e.clientX - box.left, e.clientY - box.top, rect, e);
  };
  return (
    <div
      className={`snapshot ${className ?? ''}`}
      ref={ref}
      data-ready={ready}
      style={loaded ? { aspectRatio: `${natural.w} / ${natural.h}` } : undefined}
    >
      {src && !failed ? (
        <img
          src={src}
          alt={alt}
          className="media"
          onLoad={(e) => {
            setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight });
            setLoaded(true);
          }}
          onError={() => setFailed(true)}
        />
      ) : (
        <div className="tile-placeholder">{failed ? 'snapshot unavailable' : 'no snapshot'}</div>
      )}
      {size.width > 0 && (
        <svg
          className="overlay interactive"
          width={size.width}
          height={size.height}
          onPointerDown={handler('down')}
          onPointerMove={handler('move')}
          onPointerUp={handler('up')}
          data-testid="snapshot-overlay"
          onContextMenu={(e) => e.preventDefault()}
        >
          <title>{alt}</title>
          {children?.(rect, size)}
        </svg>
      )}
    </div>
  );
}
