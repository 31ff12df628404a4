import type { FieldErrors } from '../lib/rule-form.ts';
import { errorsAt } from '../lib/rule-form.ts';

/** Inline messages of one form field (path as in the zod issue, e.g. `condition.seconds`). */
export function FieldError({
  errors,
  path,
  exact = false,
}: {
  errors: FieldErrors;
  path: string;
  exact?: boolean;
}) {
  const msgs = errorsAt(errors, path, exact);
  if (msgs.length === 0) return null;
  return (
    <span className="field-error" role="alert" data-path={path}>
      {msgs.join('; ')}
    </span>
  );
}
