declare module '@cycjimmy/jsmpeg-player' {
  export type PlayerOptions = {
    canvas?: HTMLCanvasElement;
    autoplay?: boolean;
    audio?: boolean;
    video?: boolean;
    disableGl?: boolean;
    disableWebAssembly?: boolean;
    videoBufferSize?: number;
    maxAudioLag?: number;
    pauseWhenHidden?: boolean;
    progressive?: boolean;
    chunkSize?: number;
    onVideoDecode?: (decoder: unknown, time: number) => void;
    onSourceEstablished?: (source: unknown) => void;
    onSourceCompleted?: (source: unknown) => void;
    onPlay?: () => void;
    onStalled?: () => void;
  };
  export class Player {
    constructor(url: string, options?: PlayerOptions);
    play(): void;
    pause(): void;
    stop(): void;
    destroy(): void;
    readonly isPlaying: boolean;
    source: { socket?: WebSocket; established?: boolean };
  }
  const JSMpeg: { Player: typeof Player; VideoElement: unknown };
  export default JSMpeg;
}
