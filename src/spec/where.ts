/**
 * Where a value lives, and the problems found there: the two shapes every layer reports bad input in.
 * A construct throws at once (`fail`), naming the object, the field, the value and what is allowed:
 *   HttpRoute shop/storefront: rules[2].matches[0].path "api" must start with "/"
 * The compiler collects `Problems` while it reads raw objects, and reports them as diagnostics at the end.
 */

/** Where a value lives: the object (`HttpRoute shop/storefront`) and the field path inside it. */
export class Where {
  public constructor(public readonly object: string, public readonly field: string = '') {}

  /** A nested field: `rules[2]` then `.matches[0]` ... */
  public at(field: string | number): Where {
    if (typeof field === 'number') return new Where(this.object, `${this.field}[${field}]`);
    return new Where(this.object, this.field ? `${this.field}.${field}` : field);
  }

  public toString(): string {
    return this.field ? `${this.object}: ${this.field}` : this.object;
  }
}

export class GatewayApiValidationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'GatewayApiValidationError';
  }
}

/** Throws `<object>: <field> <value> <what is allowed>`. */
export function fail(where: Where, value: unknown, allowed: string): never {
  throw new GatewayApiValidationError(`${where} ${show(value)} ${allowed}`);
}

/** Throws `<object>: <message>` for problems that are not about a single value. */
export function failObject(where: Where, message: string): never {
  throw new GatewayApiValidationError(`${where}: ${message}`);
}

/** A value as messages quote it: strings in JSON quotes, lists in brackets. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

/** One problem with a field of a raw object: its dotted path, what is wrong, and the value found there. */
export interface Problem {
  readonly field: string;
  readonly message: string;
  readonly value?: unknown;
}

/** The problems found while reading one object. */
export class Problems {
  public readonly list: Problem[] = [];
  public add(field: string, message: string, value?: unknown): void {
    this.list.push({ field, message, value });
  }
  /** Problems at or under a field path (e.g. everything under `spec.rules[2]`). */
  public under(prefix: string): Problem[] {
    if (this.list.length === 0) return [];
    return this.list.filter((p) => p.field === prefix || p.field.startsWith(`${prefix}.`) || p.field.startsWith(`${prefix}[`));
  }
}
