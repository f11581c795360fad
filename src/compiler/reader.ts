/**
 * Typed, forgiving access to raw JSON objects. A field of the wrong type is reported once (as a problem with
 * its dotted path and value) and read as absent, so the compiler never throws on input it did not expect.
 */
import { Problems } from '../spec/where';

/** How `Reader.str` checks a string field: required, one of a set of values, or matching a CRD pattern. */
export interface StrOptions {
  readonly required?: boolean;
  /** Allowed values; others are reported (use `enumOf` when unknown values need a status condition instead). */
  readonly oneOf?: readonly string[];
  readonly pattern?: RegExp;
  readonly patternName?: string;
}

/**
 * A cursor into one input object that reads fields by path (`spec.rules[0].matches`), checks them against the
 * CRD's types, patterns and limits, and records each problem with its path instead of throwing, so one bad field
 * never hides the rest of the object.
 */
export class Reader {
  public static root(problems: Problems, value: unknown): Reader {
    return new Reader(problems, undefined, '', value);
  }

  private cachedPath: string | undefined;

  private constructor(
    private readonly problems: Problems,
    private readonly parent: Reader | undefined,
    private readonly key: string | number,
    public readonly value: unknown,
  ) {}

  /** Dotted path of this field from the object root, e.g. `spec.rules[0].matches[1]` (built on first use). */
  public get path(): string {
    if (this.cachedPath === undefined) {
      const base = this.parent ? this.parent.path : '';
      this.cachedPath = typeof this.key === 'number' ? `${base}[${this.key}]` : base ? `${base}.${this.key}` : this.key;
    }
    return this.cachedPath;
  }

  public get missing(): boolean {
    return this.value === undefined || this.value === null;
  }

  public at(key: string | number): Reader {
    const v =
      typeof key === 'string'
        ? isRecord(this.value) && Object.prototype.hasOwnProperty.call(this.value, key)
          ? this.value[key]
          : undefined
        : Array.isArray(this.value)
          ? this.value[key]
          : undefined;
    return new Reader(this.problems, this, key, v);
  }

  /** Reports a problem at this field. */
  public problem(message: string, value: unknown = this.value): void {
    this.problems.add(this.path, message, value);
  }

  public isObject(): boolean {
    if (this.missing) return false;
    if (!isRecord(this.value)) {
      this.problem('must be an object');
      return false;
    }
    return true;
  }

  public str(opts: StrOptions = {}): string | undefined {
    if (this.missing) {
      if (opts.required) this.problem('is required', undefined);
      return undefined;
    }
    if (typeof this.value !== 'string') {
      this.problem('must be a string');
      return undefined;
    }
    if (opts.required && this.value === '') {
      this.problem('must not be empty');
      return undefined;
    }
    if (opts.oneOf && !opts.oneOf.includes(this.value)) {
      this.problem(`must be one of ${opts.oneOf.join(', ')}`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(this.value)) {
      this.problem(`must be ${opts.patternName ?? `a string matching ${opts.pattern.source}`}`);
      return undefined;
    }
    return this.value;
  }

  public int(opts: { readonly required?: boolean; readonly min?: number; readonly max?: number } = {}): number | undefined {
    if (this.missing) {
      if (opts.required) this.problem('is required', undefined);
      return undefined;
    }
    const v = this.value;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.problem('must be an integer');
      return undefined;
    }
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      this.problem(`must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}`);
      return undefined;
    }
    return v;
  }

  public bool(): boolean | undefined {
    if (this.missing) return undefined;
    if (typeof this.value !== 'boolean') {
      this.problem('must be true or false');
      return undefined;
    }
    return this.value;
  }

  /** The items of a list (empty when absent; reported when not a list). */
  public list(): Reader[] {
    if (this.missing) return [];
    if (!Array.isArray(this.value)) {
      this.problem('must be a list');
      return [];
    }
    return this.value.map((_v, i) => this.at(i));
  }

  /** A map of strings (labels, options, ConfigMap data); non-string values are reported and skipped. */
  public stringMap(): Record<string, string> {
    if (this.missing) return {};
    if (!isRecord(this.value)) {
      this.problem('must be a map of strings');
      return {};
    }
    const out: Record<string, string> = {};
    for (const key of Object.keys(this.value).sort()) {
      const v = this.value[key];
      if (typeof v === 'string') out[key] = v;
      else this.at(key).problem('must be a string');
    }
    return out;
  }
}

/** `table[key]` for own keys only, so input such as `constructor` or `__proto__` never reaches a prototype. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** Whether `v` is a JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
