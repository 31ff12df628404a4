import type { CameraResponse } from '@sentinel/common/api/cameras';
import type { ListResponse } from '@sentinel/common/api/common';
import { useEffect } from 'react';
import { api } from '../api/client.ts';
import { realtime } from '../api/socket.ts';
import { useAsync } from './hooks.ts';

export type CameraStatusEvent =
  | NonNullable<CameraResponse['status']>
  | { cameraId: string; state: 'removed' };

/** Camera list (GET /cameras) kept current with `camera:status` socket events. */
export function useCameras() {
  const state = useAsync(
    () => api.get<ListResponse<CameraResponse>>('/cameras', { limit: 200 }).then((r) => r.items),
    [],
  );
  const { setData } = state;
  useEffect(
    () =>
      realtime.on<CameraStatusEvent>('camera:status', (ev) => {
        setData((list) =>
          list?.map((c) =>
            c.id === ev.cameraId
              ? { ...c, status: ev.state === 'removed' ? null : (ev as CameraResponse['status']) }
              : c,
          ),
        );
      }),
    [setData],
  );
  return state;
}
