/** The `cdk8s_gateway_sync_*` metrics: written by sync to the shared directory, served by the data plane's /metrics. */
import { CounterFamily, HistogramFamily, labels } from '../dataplane/ops/metrics';

export class SyncMetrics {
  public readonly lastSuccess = new CounterFamily('cdk8s_gateway_sync_last_success_timestamp_seconds',
    'When sync was last in step with the API server (every watch connected, the config and endpoints written), Unix seconds; 0 before.', 'gauge');
  public readonly objectsWatched = new CounterFamily('cdk8s_gateway_sync_objects_watched',
    'Objects in sync\'s cache, by kind.', 'gauge');
  public readonly compileErrors = new CounterFamily('cdk8s_gateway_sync_compile_errors_total',
    'Compiles that produced no config for the Gateway (not found or not accepted): the last good config kept serving.');
  public readonly invalidObjects = new CounterFamily('cdk8s_gateway_sync_invalid_objects',
    'Objects with an Accepted or ResolvedRefs condition False in the last compile (their routes are not served, the rest is).', 'gauge');
  public readonly apiErrors = new CounterFamily('cdk8s_gateway_sync_api_errors_total',
    'Failed requests to the API server, by verb, resource and code (0: unreachable, 403: RBAC denied, 410: expired).');
  public readonly relists = new CounterFamily('cdk8s_gateway_sync_relists_total',
    'Full lists after a watch expired (410), by resource.');
  public readonly configWrites = new CounterFamily('cdk8s_gateway_sync_config_writes_total',
    'New configs written for the data plane.');
  public readonly endpointWrites = new CounterFamily('cdk8s_gateway_sync_endpoints_writes_total',
    'Endpoints documents written (one per Service whose endpoints changed).');
  public readonly compileDuration = new HistogramFamily('cdk8s_gateway_sync_compile_duration_seconds',
    'Time to compile the cluster\'s objects into the Gateway\'s config.');

  constructor(private readonly gateway: string) {
    this.lastSuccess.get(this.l()).set(0);
    this.compileErrors.get(this.l()).set(0);
  }

  /** The label set with the gateway and `extra`. */
  public l(extra: Record<string, string> = {}): string {
    return labels({ gateway: this.gateway, ...extra });
  }

  public render(): string {
    const out: string[] = [];
    for (const f of [this.lastSuccess, this.objectsWatched, this.compileErrors, this.invalidObjects, this.apiErrors, this.relists,
      this.configWrites, this.endpointWrites, this.compileDuration]) f.render(out);
    return out.join('\n') + '\n';
  }
}
