/** An object the compiler was given, as a diagnostic names it. */
export interface DiagnosticObject {
  readonly kind?: string;
  readonly apiVersion?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Position in the input list (the CLI maps it back to a file and document). */
  readonly index: number;
}

/**
 * A problem with the input itself (as opposed to a status condition): an object that is not a Kubernetes
 * object, an unknown kind, a field of the wrong type, a duplicate. Errors mean the object (or the part named
 * by `field`) was not used; warnings mean it was used with a caveat.
 */
export interface Diagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly object: DiagnosticObject;
  /** Dotted path of the offending field, e.g. `spec.rules[0].matches[1].path.value`. */
  readonly field?: string;
  /** The offending value, when there is one (truncated for display by `formatDiagnostic`). */
  readonly value?: unknown;
  /** What is wrong and what to do. */
  readonly message: string;
  /** A stable name for diagnostics that tools act on (e.g. `UnservedHostname`). */
  readonly code?: string;
  /**
   * True for a note that the compiler assumed something it could not check (a Service, Secret or ConfigMap absent
   * from the input, the labels of a Namespace absent from it), rather than a problem found in the input.
   */
  readonly assumption?: boolean;
}

/** `HTTPRoute shop/storefront: spec.rules[0]...: message (value: "x")` */
export function formatDiagnostic(d: Diagnostic): string {
  const o = d.object;
  const who = o.kind ? `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name ?? '<unnamed>'}` : `object #${o.index}`;
  const field = d.field ? `: ${d.field}` : '';
  const value = d.value === undefined ? '' : ` (value: ${preview(d.value)})`;
  return `${who}${field}: ${d.message}${value}`;
}

/** A short, single-line JSON rendering of a value for messages. */
export function preview(value: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
