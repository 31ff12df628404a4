import { useCameras } from '../app/cameras.ts';
import { useStoredState } from '../app/hooks.ts';
import { Link, useRouter } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { CameraTile } from '../components/CameraTile.tsx';
import { livePath } from '../lib/routes.ts';
import { columnsFor, fitLayout, LAYOUTS, type Layout, pageOf } from '../lib/wall-layout.ts';

export function WallPage() {
  const cameras = useCameras();
  const { navigate } = useRouter();
  const { can } = useSession();
  // 0 = automatic: the smallest layout that shows every camera.
  const [chosen, setLayout] = useStoredState<Layout | 0>('sentinel.wall.layout', 0);
  const [page, setPage] = useStoredState('sentinel.wall.page', 0);
  const list = cameras.data ?? [];
  const layout: Layout = chosen || fitLayout(list.length);
  const view = pageOf(list, layout, page);
  return (
    <section className="page wall-page">
      <div className="toolbar">
        <h1>Live</h1>
        <fieldset className="segmented">
          <legend className="sr-only">Layout</legend>
          {LAYOUTS.map((l) => (
            <button
              type="button"
              key={l}
              className={l === layout ? 'on' : ''}
              aria-pressed={l === layout}
              onClick={() => setLayout(l)}
              title={`${l} per page`}
            >
              {l === 1 ? '1' : `${columnsFor(l)}×${columnsFor(l)}`}
            </button>
          ))}
        </fieldset>
        {view.pages > 1 && (
          <div className="pager">
            <button
              type="button"
              className="btn"
              disabled={view.page === 0}
              onClick={() => setPage(view.page - 1)}
            >
              ‹
            </button>
            <span>
              {view.page + 1} / {view.pages}
            </span>
            <button
              type="button"
              className="btn"
              disabled={view.page >= view.pages - 1}
              onClick={() => setPage(view.page + 1)}
            >
              ›
            </button>
          </div>
        )}
      </div>
      {cameras.error && <p className="error">Cameras could not be loaded: {cameras.error.message}</p>}
      {!cameras.loading && list.length === 0 && (
        <div className="empty">
          <p>No cameras yet.</p>
          {can('cameras:write') && <Link to="/admin/cameras/new">Add a camera</Link>}
        </div>
      )}
      <div
        className="wall"
        style={{ '--cols': columnsFor(layout) } as React.CSSProperties}
        data-layout={layout}
      >
        {view.items.map((c) => (
          <CameraTile key={c.id} camera={c} compact={layout >= 9} onOpen={() => navigate(livePath(c.id))} />
        ))}
      </div>
    </section>
  );
}
