import type { GatewayErrorCode } from '../errors';
import type { Logger } from '../ops/log';
import { labels, Metrics, Series } from '../ops/metrics';
import type { Upstreams } from '../upstream/upstreams';

/** What every exchange shares: the upstreams, logging and the gateway-wide metric series. */
export class ProxyContext {
  public readonly activeRequests: Series;
  public draining = false;
  private readonly errorSeries = new Map<string, Series>();
  private readonly unroutedSeries = new Map<number, Series>();

  constructor(
    public readonly upstreams: Upstreams,
    public readonly log: Logger,
    public readonly metrics: Metrics,
    public readonly accessLog: boolean,
    public gatewayLabel: string,
  ) {
    this.activeRequests = metrics.activeRequests.get(labels({ gateway: gatewayLabel }));
  }

  public countError(code: GatewayErrorCode): void {
    let s = this.errorSeries.get(code);
    if (!s) {
      s = this.metrics.errors.get(labels({ gateway: this.gatewayLabel, code }));
      this.errorSeries.set(code, s);
    }
    s.inc();
  }

  /** Requests counter for answers given before any route matched (400, 404, 421...). */
  public unrouted(status: number): Series {
    let s = this.unroutedSeries.get(status);
    if (!s) {
      s = this.metrics.requests.get(labels({ gateway: this.gatewayLabel, route: '', rule: '', backend: '', code: String(status) }));
      this.unroutedSeries.set(status, s);
    }
    return s;
  }
}
