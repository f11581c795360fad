import { normalizePath } from './request';

/**
 * Request-target parsing and path normalisation, done once before routing. The normalised path (the
 * router's `normalizePath`: unreserved escapes decoded, dot segments removed, slashes merged) is both
 * what the router matches and what the backend receives, so a request can never reach a route its path
 * does not match. Encoded slashes and backslashes (`%2F`, `%5C`) are refused: a backend that decodes
 * them would see other segments than the router did (`/public%2F..%2Fadmin`).
 */

export interface RequestTarget {
  readonly path: string;
  /** Raw query without `?` ('' when none). */
  readonly query: string;
  /** From an absolute-form target (`GET http://host/path`): it overrides the Host header. */
  readonly authority?: string;
}

/** Returns undefined when the target is malformed or ambiguous (the gateway answers 400). */
export function normalizeTarget(target: string): RequestTarget | undefined {
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const m = /^https?:\/\/([^/?#@]+)(.*)$/i.exec(target);
    if (!m) return undefined;
    authority = m[1];
    target = m[2];
    if (target === '' || target.charCodeAt(0) === 63 /* ? */) target = '/' + target;
    else if (target.charCodeAt(0) !== 47) return undefined;
  }
  const q = target.indexOf('?');
  let path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  if (needsWork(path)) {
    if (!escapesValid(path)) return undefined;
    path = normalizePath(path);
  }
  return authority === undefined ? { path, query } : { path, query, authority };
}

/** True when the path has an escape, a dot segment, a double slash or a fragment. */
function needsWork(path: string): boolean {
  let prev = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 35 /* # */) return true;
    if (prev === 47 && (c === 46 /* . */ || c === 47)) return true;
    prev = c;
  }
  return false;
}

function escapesValid(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 35) return false;
    if (c !== 37) continue;
    const h = hexVal(path.charCodeAt(i + 1));
    const l = hexVal(path.charCodeAt(i + 2));
    if (h < 0 || l < 0) return false;
    const v = h * 16 + l;
    // encoded '/', '\' and NUL: refused rather than guessed at
    if (v === 0x2f || v === 0x5c || v === 0) return false;
    i += 2;
  }
  return true;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}
