import { Duration } from 'cdk8s';
import { formatDuration } from '../spec/duration';
import { fail, Where } from '../spec/where';

/** A cdk8s Duration in Gateway API form (`1h30m`, `500ms`, `0s`; see spec/duration.ts). */
export function gatewayDuration(where: Where, d: Duration): string {
  const total = d.toMilliseconds({ integral: false });
  const r = formatDuration(total);
  if ('problem' in r) fail(where, `${total}ms`, r.problem);
  return r.text;
}
