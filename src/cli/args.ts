/**
 * A small command-line parser for the subcommands: `--name value`, `--name=value`, repeated flags, short
 * aliases (`-H`), boolean flags and positionals. Unknown flags are errors that say what is allowed.
 */

export interface FlagSpec {
  /** Takes a value (`--port 80`) rather than being a switch (`--strict`). */
  readonly value?: boolean;
  /** May be given more than once; values are collected in order. */
  readonly repeat?: boolean;
  readonly alias?: string;
}

export interface Parsed {
  readonly flags: Record<string, string[]>;
  readonly switches: Set<string>;
  readonly positionals: string[];
}

/** A mistake in how the command was called. `showUsage` is false when the usage text would not help. */
export class UsageError extends Error {
  public constructor(
    message: string,
    public readonly showUsage = true,
  ) {
    super(message);
  }
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): Parsed {
  const flags: Record<string, string[]> = {};
  const switches = new Set<string>();
  const positionals: string[] = [];
  const byAlias = new Map(Object.entries(spec).flatMap(([name, s]) => (s.alias ? [[s.alias, name] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : byAlias.get(arg.slice(1, eq < 0 ? undefined : eq));
    const s = rawName === undefined ? undefined : spec[rawName];
    if (!rawName || !s) {
      const known = Object.entries(spec).map(([n, x]) => `--${n}${x.alias ? `/-${x.alias}` : ''}`);
      throw new UsageError(`unknown option ${arg} (options: ${known.join(', ')})`);
    }
    if (!s.value) {
      switches.add(rawName);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option --${rawName} needs a value`);
    if (!s.repeat && flags[rawName]) throw new UsageError(`option --${rawName} may be given once`);
    (flags[rawName] ??= []).push(value);
  }
  return { flags, switches, positionals };
}

/** `ns/name` → { namespace, name }. */
export function parseObjectKey(text: string, flag: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  if (!m) throw new UsageError(`--${flag} must be <namespace>/<name>, got "${text}"`);
  return { namespace: m[1], name: m[3] };
}
