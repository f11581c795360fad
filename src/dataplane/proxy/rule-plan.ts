import { CorsPlan } from './cors';
import { ExtAuthPlan } from './ext-auth';
import { HeaderOps } from './header-ops';
import { SessionPlan } from './session';
import { WeightedPicker } from './weighted';
import type {
  BackendConfig, CorsFilterConfig, DataPlaneConfig, HeaderModifierFilterConfig, HttpFilterConfig, HttpRuleConfig,
  InvalidBackendConfig, RequestRedirectFilterConfig, UnsupportedFilterConfig, UrlRewriteFilterConfig, WeightedBackendConfig,
} from '../../config/dataplane-config';
import { HistogramSeries, labels, Metrics, Series } from '../ops/metrics';

export interface MirrorPlan {
  readonly backend: BackendConfig;
  /** 0..1 */
  readonly fraction: number;
  readonly series: Series;
}

/** One weighted backend of a rule, with its own filters folded onto the rule's. */
export class BackendChoice {
  public readonly backend?: BackendConfig;
  public readonly invalid?: InvalidBackendConfig;
  public readonly requestOps?: HeaderOps;
  public readonly responseOps?: HeaderOps;
  public readonly rewrite?: UrlRewriteFilterConfig;
  public readonly mirrors: MirrorPlan[];
  public readonly unsupported?: UnsupportedFilterConfig;
  /** An ExternalAuth filter of this backendRef's own (a rule's runs before the backend is chosen). */
  public readonly extAuth?: ExtAuthPlan;
  /** A RequestRedirect of this backendRef's own: a request given this backend is answered with the redirect. */
  public readonly redirect?: RequestRedirectFilterConfig;
  /** A CORS filter of this backendRef's own; it replaces the rule's for requests given this backend. */
  public readonly cors?: CorsPlan;
  /** Backend label for metrics and logs (`ns/svc:port`, or `invalid:<reason>`). */
  public readonly label: string;
  public readonly weight: number;
  private upstreamErrors?: Map<string, Series>;
  private byCode?: Map<number, Series>;
  // metric series are created on first use: 10,000 routes must not mean 10,000 idle histograms
  private upstreamDurationSeries?: HistogramSeries;
  private retriesSeries?: Series;

  constructor(
    private readonly plan: RulePlan, wb: WeightedBackendConfig, config: DataPlaneConfig,
    ruleRequest: HeaderModifierFilterConfig[], ruleResponse: HeaderModifierFilterConfig[], ruleMirrors: MirrorPlan[],
    private readonly metrics: Metrics,
  ) {
    this.backend = wb.backend !== undefined ? config.backends[wb.backend] : undefined;
    this.invalid = wb.invalid;
    this.weight = wb.weight;
    this.label = this.backend ? this.backend.id : `invalid:${wb.invalid?.reason ?? 'unknown'}`;
    const own = splitFilters(wb.filters, config, plan.gatewayLabel, metrics);
    this.requestOps = HeaderOps.compile([...ruleRequest, ...own.request]);
    this.responseOps = HeaderOps.compile([...ruleResponse, ...own.response]);
    this.rewrite = own.rewrite ?? plan.rewrite;
    this.mirrors = [...ruleMirrors, ...own.mirrors];
    this.unsupported = own.unsupported;
    this.extAuth = own.extAuth;
    this.redirect = own.redirect;
    this.cors = own.cors ? new CorsPlan(own.cors) : undefined;
  }

  public get upstreamDuration(): HistogramSeries {
    return this.upstreamDurationSeries ??= this.metrics.upstreamDuration.get(labels({ gateway: this.plan.gatewayLabel, backend: this.label }));
  }

  public get retries(): Series {
    const plan = this.plan;
    return this.retriesSeries ??= this.metrics.retries.get(labels({ gateway: plan.gatewayLabel, route: plan.routeLabel, backend: this.label }));
  }

  /** The requests counter for a status code (cached per code). */
  public requests(code: number): Series {
    const byCode = this.byCode ??= new Map();
    let s = byCode.get(code);
    if (!s) {
      s = this.metrics.requests.get(labels({
        gateway: this.plan.gatewayLabel, route: this.plan.routeLabel, rule: this.plan.ruleLabel, backend: this.label, code: String(code),
      }));
      byCode.set(code, s);
    }
    return s;
  }

  public upstreamError(code: string): Series {
    const errors = this.upstreamErrors ??= new Map();
    let s = errors.get(code);
    if (!s) {
      s = this.metrics.upstreamErrors.get(labels({ gateway: this.plan.gatewayLabel, backend: this.label, code }));
      errors.set(code, s);
    }
    return s;
  }
}

/**
 * Everything a request matched to one rule needs, prepared when the config loads: filters folded into
 * tables, the weighted backend picker, timeouts, retry and session settings, and the metric series.
 */
export class RulePlan {
  public readonly routeLabel: string;
  public readonly ruleLabel: string;
  public readonly redirect?: RequestRedirectFilterConfig;
  public readonly rewrite?: UrlRewriteFilterConfig;
  public readonly cors?: CorsPlan;
  public readonly unsupported?: UnsupportedFilterConfig;
  public readonly extAuth?: ExtAuthPlan;
  public readonly choices: BackendChoice[];
  /** Some backendRef has a CORS filter of its own: the backend is chosen before CORS is answered. */
  public readonly backendCors: boolean;
  private readonly picker: WeightedPicker<BackendChoice>;
  public readonly retryCodes?: ReadonlySet<number>;
  public readonly retryAttempts: number;
  public readonly retryBackoffMs: number;
  public readonly requestTimeoutMs: number;
  public readonly backendTimeoutMs: number;
  public readonly session?: SessionPlan;
  private durationSeries?: HistogramSeries;
  private noBackendSeries?: Map<number, Series>;
  private grpcSeries?: Map<string, Series>;

  constructor(
    public readonly rule: HttpRuleConfig, config: DataPlaneConfig, public readonly gatewayLabel: string, private readonly metrics: Metrics,
  ) {
    this.routeLabel = `${rule.source.kind}/${rule.source.namespace}/${rule.source.name}`;
    this.ruleLabel = rule.ruleName ?? String(rule.ruleIndex);
    const f = splitFilters(rule.filters, config, gatewayLabel, metrics);
    this.redirect = f.redirect;
    this.rewrite = f.rewrite;
    this.cors = f.cors ? new CorsPlan(f.cors) : undefined;
    this.unsupported = f.unsupported;
    this.extAuth = f.extAuth;
    this.choices = rule.backends.filter((b) => b.weight > 0)
      .map((b) => new BackendChoice(this, b, config, f.request, f.response, f.mirrors, metrics));
    this.picker = new WeightedPicker(this.choices);
    this.backendCors = this.choices.some((c) => c.cors);
    this.retryCodes = rule.retry ? new Set(rule.retry.codes) : undefined;
    this.retryAttempts = rule.retry?.attempts ?? 0;
    this.retryBackoffMs = rule.retry?.backoffMs ?? 25;
    this.requestTimeoutMs = rule.timeouts?.requestMs ?? 0;
    this.backendTimeoutMs = rule.timeouts?.backendRequestMs ?? 0;
    if (rule.sessionPersistence) this.session = new SessionPlan(rule.sessionPersistence, '/');
  }

  public get duration(): HistogramSeries {
    return this.durationSeries ??= this.metrics.requestDuration.get(labels({ gateway: this.gatewayLabel, route: this.routeLabel }));
  }

  /** A weighted random backend; undefined when the rule has none. */
  public pick(): BackendChoice | undefined {
    return this.picker.pick();
  }

  /** A weighted random backend other than `previous` (for a retry), among valid ones; undefined when there is none. */
  public pickOther(previous: BackendChoice): BackendChoice | undefined {
    let total = 0;
    for (const c of this.choices) if (c !== previous && c.backend) total += c.weight;
    if (total === 0) return undefined;
    let r = Math.random() * total;
    for (const c of this.choices) {
      if (c === previous || !c.backend) continue;
      r -= c.weight;
      if (r < 0) return c;
    }
    return undefined;
  }

  public byBackendId(id: string): BackendChoice | undefined {
    for (const c of this.choices) if (c.backend && c.backend.id === id) return c;
    return undefined;
  }

  /** gRPC calls of this rule by backend and grpc-status (-1: none seen, e.g. a reset stream). */
  public grpcRequests(backend: string, grpcStatus: number): Series {
    const series = this.grpcSeries ??= new Map();
    const key = `${backend}|${grpcStatus}`;
    let s = series.get(key);
    if (!s) {
      s = this.metrics.grpcRequests.get(labels({
        gateway: this.gatewayLabel, route: this.routeLabel, rule: this.ruleLabel, backend, grpc_status: grpcStatus < 0 ? 'unknown' : String(grpcStatus),
      }));
      series.set(key, s);
    }
    return s;
  }

  /** Requests counter for answers given before a backend was chosen (redirects, CORS preflights, errors). */
  public requests(code: number): Series {
    const series = this.noBackendSeries ??= new Map();
    let s = series.get(code);
    if (!s) {
      s = this.metrics.requests.get(labels({
        gateway: this.gatewayLabel, route: this.routeLabel, rule: this.ruleLabel, backend: '', code: String(code),
      }));
      series.set(code, s);
    }
    return s;
  }
}

interface SplitFilters {
  request: HeaderModifierFilterConfig[];
  response: HeaderModifierFilterConfig[];
  mirrors: MirrorPlan[];
  redirect?: RequestRedirectFilterConfig;
  rewrite?: UrlRewriteFilterConfig;
  cors?: CorsFilterConfig;
  unsupported?: UnsupportedFilterConfig;
  extAuth?: ExtAuthPlan;
}

function splitFilters(
  filters: readonly HttpFilterConfig[], config: DataPlaneConfig, gatewayLabel: string, metrics: Metrics,
): SplitFilters {
  const out: SplitFilters = { request: [], response: [], mirrors: [] };
  for (const f of filters) {
    switch (f.type) {
      case 'RequestHeaderModifier': out.request.push(f); break;
      case 'ResponseHeaderModifier': out.response.push(f); break;
      case 'RequestRedirect': out.redirect = f; break;
      case 'URLRewrite': out.rewrite = f; break;
      case 'CORS': out.cors = f; break;
      case 'RequestMirror':
        if (f.backend !== undefined && f.percent > 0) {
          const backend = config.backends[f.backend];
          const series = metrics.mirrors.get(labels({ gateway: gatewayLabel, backend: backend.id }));
          out.mirrors.push({ backend, fraction: f.percent / 100, series });
        }
        break;
      case 'Unsupported': out.unsupported = f; break;
      case 'ExternalAuth': out.extAuth = new ExtAuthPlan(f, config); break;
    }
  }
  return out;
}
