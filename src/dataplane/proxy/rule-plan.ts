import { ExtAuthPlan } from './ext-auth';
import { HeaderOps } from './header-ops';
import { SessionPlan } from './session';
import { WeightedPicker } from './weighted';
import type {
  BackendConfig, DataPlaneConfig, HeaderModifierFilterConfig, HttpFilterConfig, HttpRuleConfig, InvalidBackendConfig,
  UrlRewriteFilterConfig, WeightedBackendConfig,
} from '../../config/dataplane-config';
import { decidingFilters, sharesOf } from '../../router';
import { HistogramSeries, labels, Metrics, Series } from '../ops/metrics';

export interface MirrorPlan {
  readonly backend: BackendConfig;
  /** 0..1 */
  readonly fraction: number;
  readonly series: Series;
}

/**
 * One weighted backend of a rule (a share of its traffic), with its own filters folded onto the rule's. What a request
 * given it gets (answers, redirects, ExternalAuth checks) is the router's decision (src/router/decide.ts); this holds
 * what carrying it out needs.
 */
export class BackendChoice {
  public readonly backend?: BackendConfig;
  public readonly invalid?: InvalidBackendConfig;
  public readonly requestOps?: HeaderOps;
  public readonly responseOps?: HeaderOps;
  public readonly rewrite?: UrlRewriteFilterConfig;
  public readonly mirrors: MirrorPlan[];
  /** An ExternalAuth filter of this backendRef's own (a rule's runs before the backend is chosen). */
  public readonly extAuth?: ExtAuthPlan;
  /** Backend label for metrics and logs (`ns/svc:port`, or `invalid:<reason>`). */
  public readonly label: string;
  public readonly weight: number;
  private upstreamErrors?: Map<string, Series>;
  private byCode?: Map<number, Series>;
  // metric series are created on first use: 10,000 routes must not mean 10,000 idle histograms
  private upstreamDurationSeries?: HistogramSeries;
  private retriesSeries?: Series;

  constructor(
    private readonly plan: RulePlan,
    /** Its position among the rule's shares (`sharesOf(rule)`), as decisions name it. */
    public readonly index: number,
    wb: WeightedBackendConfig, config: DataPlaneConfig,
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
    this.extAuth = own.extAuth;
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
  public readonly rewrite?: UrlRewriteFilterConfig;
  public readonly extAuth?: ExtAuthPlan;
  /** The rule's shares, in the order `sharesOf(rule)` lists them (a decision's `share` indexes this). */
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
    this.rewrite = f.rewrite;
    this.extAuth = f.extAuth;
    const shares = sharesOf(rule);
    this.choices = shares.map((b, i) => new BackendChoice(this, i, b, config, f.request, f.response, f.mirrors, metrics));
    this.picker = new WeightedPicker(this.choices);
    this.backendCors = shares.some((b) => decidingFilters(b.filters).cors !== undefined);
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

/** The filters that shape a forwarded request (those that decide its outcome are read by decidingFilters). */
interface SplitFilters {
  request: HeaderModifierFilterConfig[];
  response: HeaderModifierFilterConfig[];
  mirrors: MirrorPlan[];
  rewrite?: UrlRewriteFilterConfig;
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
      case 'URLRewrite': out.rewrite = f; break;
      case 'RequestMirror':
        if (f.backend !== undefined && f.percent > 0) {
          const backend = config.backends[f.backend];
          const series = metrics.mirrors.get(labels({ gateway: gatewayLabel, backend: backend.id }));
          out.mirrors.push({ backend, fraction: f.percent / 100, series });
        }
        break;
      case 'ExternalAuth': out.extAuth = new ExtAuthPlan(f, config); break;
    }
  }
  return out;
}
