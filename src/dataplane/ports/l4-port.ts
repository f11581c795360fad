import type { PortServerEnv } from './port-server';
import type { ServedPort } from './served-port';
import type { Generation, PortRuntime } from '../generation';
import type { CoarseClock } from '../http1/connection-host';
import { RelaySet } from '../l4/relay';
import { KeyedSeries, labels, Series } from '../ops/metrics';
import type { ProxyContext } from '../proxy/context';

/** Common ground of the TCP and UDP port servers: the current config's view of the port, and the relays. */
export abstract class L4PortServer implements ServedPort {
  public readonly ctx: ProxyContext;
  public readonly clock: CoarseClock;
  public readonly relays = new RelaySet();
  public readonly connections: Series;
  /** `cdk8s_gateway_connections_closed_total` of this port, by reason. */
  protected readonly closes: KeyedSeries;
  public boundPort = 0;
  protected draining = false;
  private cachedGen: Generation | undefined;
  private cachedPort: PortRuntime | undefined;

  constructor(protected readonly env: PortServerEnv, public readonly port: number, public readonly kind: string) {
    this.ctx = env.ctx;
    this.clock = env.clock;
    this.connections = env.ctx.metrics.activeConnections.get(labels({ gateway: env.ctx.gatewayLabel, port: String(port), kind }));
    this.closes = new KeyedSeries(env.ctx.metrics.connectionsClosed, { gateway: env.ctx.gatewayLabel, port: String(port) }, 'reason');
  }

  public abstract listen(address: string, localPort: number): Promise<number>;
  public abstract sweep(now: number): void;
  public abstract drain(): void;
  public abstract destroyAll(): void;
  public abstract get openCount(): number;

  /** This port in the generation being served now; undefined once the port left the config. */
  protected runtime(): { gen: Generation; port: PortRuntime } | undefined {
    const gen = this.env.current();
    if (gen !== this.cachedGen) {
      this.cachedGen = gen;
      this.cachedPort = (this.kind === 'UDP' ? gen.udpPorts : gen.ports).get(this.port);
    }
    return this.cachedPort ? { gen, port: this.cachedPort } : undefined;
  }
}
