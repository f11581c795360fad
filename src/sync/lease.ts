/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: the holder
 * renews `spec.renewTime` every `retryMs`; another candidate takes the Lease (a PUT with the resourceVersion
 * it read, so two candidates never both win) once the holder has not renewed for `leaseDurationSeconds`.
 *
 * - Expiry is counted from the older of the holder's renewTime and the moment this candidate first saw that
 *   renewal, so a killed leader is replaced within one lease period (plus one request), and a candidate whose
 *   clock runs behind never takes over early. A candidate whose clock runs ahead by s takes over s early:
 *   status writes stay correct with two writers for that moment (each write carries a resourceVersion, and both
 *   write what the same compiler computes from the same objects).
 * - A leader that cannot renew for a whole lease period stops leading before anyone else may start.
 * - stop() on SIGTERM releases the Lease (holderIdentity emptied): the next pod takes over at its next try.
 */
import type { ApiError, KubeApi } from './kube-client';
import type { Logger } from '../dataplane/ops/log';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** This candidate's name in `spec.holderIdentity` (the pod name). */
  readonly identity: string;
  /** @default 15 */
  readonly leaseDurationSeconds?: number;
  /** How often the leader renews and candidates look. @default leaseDuration / 5 */
  readonly retryMs?: number;
  readonly log: Logger;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElection {
  public leading = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastRenewOk = 0;
  /** The holder and renewTime last seen, and when this candidate saw them first. */
  private seen: { holder: string; renew: string; at: number } | undefined;
  private readonly durationMs: number;
  private readonly retryMs: number;
  private readonly path: string;

  constructor(private readonly api: KubeApi, private readonly o: LeaderElectionOptions) {
    this.durationMs = (o.leaseDurationSeconds ?? 15) * 1000;
    this.retryMs = o.retryMs ?? Math.max(100, Math.floor(this.durationMs / 5));
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`;
  }

  public start(): void {
    void this.tryOnce();
  }

  /** Stops trying; a leader releases the Lease so that another pod takes over at once. */
  public async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.api.get(`${this.path}/${this.o.name}`);
      if (lease?.spec?.holderIdentity !== this.o.identity) return;
      await this.api.write('PUT', `${this.path}/${this.o.name}`, { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(Date.now()) } });
    } catch {
      // the Lease expires by itself
    }
  }

  private next(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tryOnce(), Math.max(10, ms));
    this.timer.unref();
  }

  private async tryOnce(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    try {
      let lease: any;
      try {
        lease = await this.api.get(`${this.path}/${this.o.name}`);
      } catch (e) {
        if ((e as ApiError).status !== 404) throw e;
        await this.api.write('POST', this.path, this.leaseObject(undefined, now));
        return this.won(now);
      }
      const spec = lease.spec ?? {};
      const holder: string = spec.holderIdentity ?? '';
      const renew: string = spec.renewTime ?? spec.acquireTime ?? '';
      if (!this.seen || this.seen.holder !== holder || this.seen.renew !== renew) this.seen = { holder, renew, at: now };
      const duration = (spec.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
      const renewedAt = Math.min(this.seen.at, Date.parse(renew) || this.seen.at);
      const expiresAt = renewedAt + duration;
      if (holder && holder !== this.o.identity && expiresAt > now) {
        if (this.leading) this.setLeading(false);
        // look again at the moment it expires (or sooner): a killed leader is replaced within one lease period
        return this.next(Math.min(this.retryMs, expiresAt - now + 5));
      }
      await this.api.write('PUT', `${this.path}/${this.o.name}`, this.leaseObject(lease, now));
      this.won(now);
    } catch (e) {
      const err = e as ApiError;
      if (err.status !== 409) this.o.log.warn('leader election: cannot read or write the Lease', { lease: `${this.o.namespace}/${this.o.name}`, error: err.message });
      if (this.leading && Date.now() - this.lastRenewOk >= this.durationMs - this.retryMs) {
        this.o.log.warn('leader election: the Lease was not renewed in time; no longer writing status', { lease: `${this.o.namespace}/${this.o.name}` });
        this.setLeading(false);
      }
      this.next(this.retryMs);
    }
  }

  private won(now: number): void {
    this.lastRenewOk = now;
    if (!this.leading) this.setLeading(true);
    this.next(this.retryMs);
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.o.log.info(leading ? 'leader election: this pod writes status' : 'leader election: this pod no longer writes status',
      { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
    if (leading) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  private leaseObject(old: any, now: number): any {
    const spec = old?.spec ?? {};
    const taking = spec.holderIdentity !== this.o.identity;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: old ? old.metadata : { name: this.o.name, namespace: this.o.namespace },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: this.durationMs / 1000,
        acquireTime: taking ? microTime(now) : spec.acquireTime ?? microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (old && taking ? 1 : 0),
      },
    };
  }
}
