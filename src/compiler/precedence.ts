import { compareStrings } from './canonical-json';
import { MatchDraft } from './matches';
import { compareAge, Obj } from './objects';

/** A (route, rule, match) triple to be ordered within one listener. */
export interface RankedMatch {
  readonly route: Obj;
  readonly ruleIndex: number;
  readonly matchIndex: number;
  readonly match: MatchDraft;
}

const PATH_RANK = { Exact: 0, PathPrefix: 1, RegularExpression: 2 } as const;

/**
 * The spec's precedence among matches of one listener, after hostname (the router handles hostname buckets):
 * Exact path, then PathPrefix by length (longest first), then RegularExpression (implementation-specific here:
 * longer pattern first); then a method match; then more header matches; then more query matches; then the
 * older route (creationTimestamp), then route namespace/name; then rule order, then match order.
 */
export function compareMatches(a: RankedMatch, b: RankedMatch): number {
  const pa = a.match.path;
  const pb = b.match.path;
  return (
    PATH_RANK[pa.type] - PATH_RANK[pb.type] ||
    pb.value.length - pa.value.length ||
    (a.match.method ? 0 : 1) - (b.match.method ? 0 : 1) ||
    b.match.headers.length - a.match.headers.length ||
    b.match.queryParams.length - a.match.queryParams.length ||
    compareAge(a.route, b.route) ||
    compareStrings(a.route.kind, b.route.kind) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex ||
    // same route, rule and match can only tie with itself; the path value keeps the order total
    compareStrings(pa.value, pb.value)
  );
}
