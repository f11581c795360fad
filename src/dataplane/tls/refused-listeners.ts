import type { CertStore } from './cert-store';
import type { DataPlaneConfig, ListenerConfig } from '../../config/dataplane-config';

/** A terminating listener (HTTPS, or TLS in Terminate mode) none of whose certificates can be loaded. */
export interface RefusedListener {
  readonly port: number;
  readonly listener: ListenerConfig;
  /** Each certificate's file and what is wrong with it. */
  readonly reason: string;
}

/**
 * The listeners of `config` that cannot serve because no certificate of theirs loads. They are refused (named at
 * start, in /readyz and in the log) while the rest of the Gateway serves; a certificate fixed on disk brings them
 * back without a restart (CertStore re-reads changed files).
 */
export function refusedListeners(config: DataPlaneConfig, certs: CertStore): RefusedListener[] {
  const refused: RefusedListener[] = [];
  for (const p of config.ports) {
    for (const listener of p.listeners) {
      if (listener.tls?.mode !== 'Terminate') continue;
      const problems: string[] = [];
      let loaded = false;
      for (const ref of listener.tls.certificates) {
        const c = certs.certificate(ref);
        if (c instanceof Error) problems.push(c.message);
        else loaded = true;
      }
      if (!loaded) refused.push({ port: p.port, listener, reason: problems.join('; ') || 'it has no certificateRefs' });
    }
  }
  return refused;
}

/** The line `serve` and the data plane print for a refused listener, next to the `listening` lines of the others. */
export function refusedLine(r: RefusedListener, boundAddress: string): string {
  return `refused ${r.listener.protocol} ${r.port} ${boundAddress} ${r.listener.id}: certificate cannot be loaded: ${r.reason}`;
}
