/** The access log: one JSON line per finished exchange, when `--access-log` is on. */

/** What one line says. */
export interface AccessLogEntry {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly status: number;
  readonly listener: string | undefined;
  readonly route: string | undefined;
  readonly rule: string | undefined;
  readonly backend: string | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  /** -1: no backend answered. */
  readonly upstreamMs: number;
  readonly attempts: number;
  readonly client: string;
  /** -1: not a gRPC call, or none known. */
  readonly grpcStatus: number;
  readonly error: string | undefined;
  readonly detail: string;
}

/** The line, built by hand (the field order is fixed; JSON.stringify only for the strings a client chose). */
export function accessLogLine(e: AccessLogEntry): string {
  let line = `{"time":"${new Date().toISOString()}","level":"info","msg":"access","method":${JSON.stringify(e.method)},` +
    `"host":${JSON.stringify(e.host)},"path":${JSON.stringify(e.path)},"status":${e.status},` +
    `"listener":${e.listener !== undefined ? JSON.stringify(e.listener) : null},` +
    `"route":${e.route !== undefined ? JSON.stringify(e.route) : null},"rule":${e.rule !== undefined ? JSON.stringify(e.rule) : null},` +
    `"backend":${e.backend !== undefined ? JSON.stringify(e.backend) : null},"bytesIn":${e.bytesIn},"bytesOut":${e.bytesOut},` +
    `"durationMs":${e.durationMs.toFixed(3)},"upstreamMs":${e.upstreamMs < 0 ? null : e.upstreamMs.toFixed(3)},` +
    `"attempts":${e.attempts},"client":${JSON.stringify(e.client)}`;
  if (e.grpcStatus >= 0) line += `,"grpcStatus":${e.grpcStatus}`;
  if (e.error) line += `,"error":"${e.error}","detail":${JSON.stringify(e.detail)}`;
  return line + '}';
}
