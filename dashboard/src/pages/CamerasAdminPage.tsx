import { useCameras } from '../app/cameras.ts';
import { Link } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { cameraEditPath } from '../lib/routes.ts';
import { tileState } from '../lib/wall-layout.ts';

export function CamerasAdminPage() {
  const cameras = useCameras();
  const { can } = useSession();
  return (
    <section className="page">
      <div className="toolbar">
        <h1>Cameras</h1>
        {can('cameras:write') && (
          <Link to="/admin/cameras/new" className="btn primary">
            Add camera
          </Link>
        )}
      </div>
      {cameras.error && <p className="error">{cameras.error.message}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Id</th>
            <th>State</th>
            <th className="hide-sm">Source</th>
            <th className="hide-sm">Detect</th>
          </tr>
        </thead>
        <tbody>
          {(cameras.data ?? []).map((c) => {
            const badge = tileState(c.status, 'idle', c.enabled);
            return (
              <tr key={c.id}>
                <td>
                  <Link to={cameraEditPath(c.id)}>{c.name}</Link>
                </td>
                <td>
                  <code>{c.id}</code>
                </td>
                <td>
                  <span className={`badge ${badge.tone}`} title={badge.detail}>
                    {badge.label}
                  </span>
                </td>
                <td className="hide-sm">
                  <code className="small">{c.url}</code>
                </td>
                <td className="hide-sm">{c.detectFps} fps</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
