/**
 * The Gateway API pieces a migration produces, as plain JSON plus what the report and the TypeScript output
 * need to know about them (which Ingress and annotation each rule came from).
 */

/** Which Ingress feature or annotation a rule carries, for the report ("what it became"). */
export interface Trace {
  /** `ns/name` of the Ingress. */
  readonly ingress: string;
  /** The annotation key, or a feature such as `spec.rules[0].http.paths[1] (host /path)`. */
  readonly what: string;
  /** What it turned into in this rule. */
  readonly text: string;
}

export interface PathMatchJson {
  readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly value: string;
}

export interface HeaderMatchJson {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

export interface MatchJson {
  readonly path: PathMatchJson;
  readonly headers?: HeaderMatchJson[];
}

export interface BackendRefJson {
  readonly name: string;
  readonly namespace?: string;
  readonly port: number;
  readonly weight?: number;
}

export type FilterJson = { readonly type: string } & Record<string, unknown>;

/** An HTTPRoute (or GRPCRoute) rule with where it came from. */
export interface RuleDraft {
  matches: MatchJson[];
  filters: FilterJson[];
  backendRefs: BackendRefJson[];
  timeouts?: { backendRequest?: string };
  retry?: { attempts: number; codes?: number[] };
  sessionPersistence?: Record<string, unknown>;
  trace: Trace[];
  /** The nginx location the rule serves (for comments in the TypeScript output). */
  comment: string;
  /** Index of the nginx location, for the regex precedence check. */
  location: number;
}

export interface RouteDraft {
  readonly kind: 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute';
  readonly namespace: string;
  readonly name: string;
  readonly hostnames: string[];
  /** Listener names of the Gateway it attaches to. */
  readonly listeners: string[];
  /** HTTPRoute rules, or GRPCRoute rules (their matches are kept in the `grpc` field). */
  readonly rules: RuleDraft[];
  /** GRPCRoute: the gRPC matches of each rule (parallel to `rules`). */
  readonly grpcMatches?: Array<Array<{ method?: { service?: string; method?: string }; headers?: HeaderMatchJson[] }>>;
  /** TLSRoute: its backends. */
  readonly tlsBackends?: BackendRefJson[];
  /** The host this route serves (`_` for the default server), for the report. */
  readonly server: string;
}

export interface ListenerDraft {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS';
  readonly hostname?: string;
  readonly tls?: { readonly mode: 'Terminate' | 'Passthrough'; readonly certificateRefs?: Array<{ kind: 'Secret'; name: string; namespace?: string }> };
}

/** True when two JSON values are equal (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
