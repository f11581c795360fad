import type * as http2 from 'node:http2';

/*
 * Node 24 takes HTTP/2 header blocks as flat [name, value, ...] lists (nodejs/node#59455), which saves an object, a key
 * lookup per header and Node's own walk over it for every stream. Older releases refuse a list before sending anything;
 * the callers learn that from the first refusal and build Node's headers object from then on.
 */

/** Whether `e` is Node refusing a flat header list (a release before nodejs/node#59455). */
export function refusesFlatList(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ERR_INVALID_ARG_TYPE';
}

/** Adds one header to Node's headers object: a repeated name becomes a list (http2 sends each value as its own field). */
export function addToHeadersObject(out: http2.OutgoingHttpHeaders, name: string, value: string): void {
  const prev = out[name];
  out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
}
