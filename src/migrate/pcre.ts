/**
 * nginx regular expressions (PCRE) as ECMAScript patterns, the syntax the Gateway API routes of this project
 * take (`RegularExpression` path and header matches are ECMAScript here).
 *
 * ingress-nginx writes `location ~* "^<path>"` (case-insensitive, anchored at the start only) for every path of
 * a host that uses `use-regex` or `rewrite-target`, and matches `canary-by-header-pattern` with `ngx.re.match`
 * (case-sensitive, anywhere in the value). ECMAScript has no inline `(?i)` before Node 23, so case-insensitivity
 * is spelled out: every letter becomes `[aA]`, every class gets both cases.
 *
 * PCRE features with no ECMAScript equivalent (possessive and atomic groups, `\A`, `\z`, `\G`, `\K`, `\Q..\E`,
 * POSIX classes, inline flags, conditionals, recursion) are refused with the reason, never guessed.
 */

/** A converted pattern, or why it cannot be converted. */
export type Converted = { readonly source: string } | { readonly error: string };

const UPPER_A = 65;
const UPPER_Z = 90;
const LOWER_A = 97;
const LOWER_Z = 122;

function isLetter(c: number): boolean {
  return (c >= UPPER_A && c <= UPPER_Z) || (c >= LOWER_A && c <= LOWER_Z);
}

function otherCase(c: number): number {
  return c >= LOWER_A ? c - 32 : c + 32;
}

/** Escapes that mean the same in PCRE and in ECMAScript (without the `u` flag). */
const SAME_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'n', 'r', 't', 'f', 'v', '0']);
const UNSUPPORTED_ESCAPES: Record<string, string> = {
  A: '\\A (start of subject)',
  z: '\\z (end of subject)',
  Z: '\\Z (end of subject)',
  G: '\\G (first match position)',
  K: '\\K (reset match start)',
  Q: '\\Q...\\E (quoting)',
  E: '\\E',
  p: '\\p{...} (Unicode property)',
  P: '\\P{...} (Unicode property)',
  X: '\\X (extended grapheme)',
  R: '\\R (any newline)',
  h: '\\h (horizontal space)',
  H: '\\H',
  V: '\\V',
  N: '\\N',
  C: '\\C (one code unit)',
  g: '\\g (back reference)',
  k: '\\k (named back reference)',
};

/** A character as it appears in a class: literal characters that mean something in a class are escaped. */
function classChar(c: number): string {
  const ch = String.fromCharCode(c);
  return ch === ']' || ch === '\\' || ch === '^' || ch === '-' ? `\\${ch}` : ch;
}

/**
 * Converts a PCRE pattern to ECMAScript. `caseless`: the nginx `~*` modifier (letters match either case).
 * The result matches the same strings as the input under the same anchoring (the caller decides anchoring).
 */
export function pcreToEcma(pattern: string, caseless: boolean): Converted {
  let out = '';
  let i = 0;
  const n = pattern.length;
  const fail = (what: string): Converted => ({ error: `${what} at position ${i} of "${pattern}" has no ECMAScript equivalent` });
  while (i < n) {
    const ch = pattern[i];
    const code = pattern.charCodeAt(i);
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return { error: `"${pattern}" ends with a lone backslash` };
      if (UNSUPPORTED_ESCAPES[next]) return fail(UNSUPPORTED_ESCAPES[next]);
      if (next === 'x' || next === 'c' || SAME_ESCAPES.has(next) || /[1-9]/.test(next)) {
        // \xhh, \cX, back references and the shared classes keep their meaning
        if (next === 'x' && pattern[i + 2] === '{') return fail('\\x{...}');
        out += `\\${next}`;
        i += 2;
        continue;
      }
      if (isLetter(next.charCodeAt(0))) return fail(`\\${next}`);
      // an escaped punctuation character is that character
      out += `\\${next}`;
      i += 2;
      continue;
    }
    if (ch === '[') {
      const cls = convertClass(pattern, i, caseless);
      if ('error' in cls) return cls;
      out += cls.source;
      i = cls.end;
      continue;
    }
    if (ch === '(') {
      if (pattern[i + 1] === '?') {
        const rest = pattern.slice(i + 2);
        if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
          const len = rest.startsWith('<') ? 4 : 3;
          out += pattern.slice(i, i + len);
          i += len;
          continue;
        }
        const named = /^(?:P?<|')([A-Za-z_][A-Za-z0-9_]*)[>']/.exec(rest);
        if (named) {
          out += `(?<${named[1]}>`;
          i += 2 + named[0].length;
          continue;
        }
        if (rest.startsWith('#')) {
          const end = pattern.indexOf(')', i);
          if (end < 0) return { error: `"${pattern}" has an unterminated (?# comment` };
          i = end + 1;
          continue;
        }
        // (?i) at the very start of a caseless pattern changes nothing
        if (rest.startsWith('i)') && caseless) {
          i += 4;
          continue;
        }
        return fail(`the group "(?${rest.slice(0, 2)}" (inline flags, atomic group, conditional or recursion)`);
      }
      if (pattern[i + 1] === '*') return fail('a backtracking verb "(*"');
      out += '(';
      i++;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?' || ch === '}') {
      out += ch;
      i++;
      // a quantifier followed by + is possessive in PCRE
      if (pattern[i] === '+') return fail('a possessive quantifier');
      continue;
    }
    if (ch === '{') {
      const q = /^\{(\d*)(,?)(\d*)\}/.exec(pattern.slice(i));
      if (q && q[1] === '' && q[3] !== '') return fail(`the quantifier "${q[0]}" (PCRE2 reads it as {0,n}, ECMAScript as literal text)`);
      out += '{';
      i++;
      continue;
    }
    if (caseless && isLetter(code)) {
      out += `[${ch}${String.fromCharCode(otherCase(code))}]`;
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  try {
    new RegExp(out);
  } catch (e) {
    return { error: `"${pattern}" is not a valid regular expression: ${(e as Error).message}` };
  }
  return { source: out };
}

/** A `[...]` class starting at `start`: PCRE reads a `]` right after `[` or `[^` as a literal. */
function convertClass(pattern: string, start: number, caseless: boolean): { source: string; end: number } | { error: string } {
  let i = start + 1;
  let negated = false;
  if (pattern[i] === '^') {
    negated = true;
    i++;
  }
  const items: string[] = [];
  const extra: string[] = [];
  let first = true;
  while (i < pattern.length && (pattern[i] !== ']' || first)) {
    first = false;
    if (pattern.startsWith('[:', i) || pattern.startsWith('[=', i) || pattern.startsWith('[.', i)) {
      return { error: `the POSIX class at position ${i} of "${pattern}" has no ECMAScript equivalent` };
    }
    let lo: number;
    let text: string;
    if (pattern[i] === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return { error: `"${pattern}" ends inside a character class` };
      if (UNSUPPORTED_ESCAPES[next]) return { error: `${UNSUPPORTED_ESCAPES[next]} in a class of "${pattern}" has no ECMAScript equivalent` };
      if (SAME_ESCAPES.has(next) || next === 'x' || next === 'c') {
        // \d, \w, \s... in a class; \xhh keeps its meaning (not expanded for case: hex letters are rare in paths)
        const len = next === 'x' ? 4 : next === 'c' ? 3 : 2;
        items.push(pattern.slice(i, i + len));
        i += len;
        continue;
      }
      lo = next.charCodeAt(0);
      text = `\\${next}`;
      i += 2;
    } else {
      lo = pattern.charCodeAt(i);
      text = classChar(lo);
      i++;
    }
    // a range lo-hi
    if (pattern[i] === '-' && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
      let hi: number;
      let hiText: string;
      if (pattern[i + 1] === '\\') {
        const next = pattern[i + 2];
        if (next === undefined || SAME_ESCAPES.has(next) || isLetter(next.charCodeAt(0))) {
          return { error: `the range at position ${i} of "${pattern}" has no ECMAScript equivalent` };
        }
        hi = next.charCodeAt(0);
        hiText = `\\${next}`;
        i += 3;
      } else {
        hi = pattern.charCodeAt(i + 1);
        hiText = classChar(hi);
        i += 2;
      }
      if (hi < lo) return { error: `the range ${String.fromCharCode(lo)}-${String.fromCharCode(hi)} in "${pattern}" is out of order` };
      items.push(`${text}-${hiText}`);
      if (caseless) addOtherCaseRange(lo, hi, extra);
      continue;
    }
    items.push(text);
    if (caseless && isLetter(lo)) extra.push(classChar(otherCase(lo)));
  }
  if (pattern[i] !== ']') return { error: `"${pattern}" has an unterminated character class` };
  return { source: `[${negated ? '^' : ''}${items.join('')}${extra.join('')}]`, end: i + 1 };
}

/** The other-case counterparts of the letters in lo..hi, as class items. */
function addOtherCaseRange(lo: number, hi: number, extra: string[]): void {
  for (const [a, z] of [[UPPER_A, UPPER_Z], [LOWER_A, LOWER_Z]]) {
    const from = Math.max(lo, a);
    const to = Math.min(hi, z);
    if (from > to) continue;
    const f = otherCase(from);
    const t = otherCase(to);
    extra.push(f === t ? classChar(f) : `${classChar(f)}-${classChar(t)}`);
  }
}

/** True when `pattern` has a `|` outside any group or class (it then binds looser than a leading `^`). */
export function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      // skip the class (a ] right after [ or [^ is literal)
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
    } else if (ch === '|' && depth === 0) {
      return true;
    }
  }
  return false;
}

/** True when the pattern is plain text (no regex metacharacters): it then matches itself only. */
export function isLiteral(pattern: string): boolean {
  return !/[\\^$.|?*+()[\]{}]/.test(pattern);
}

/**
 * The ECMAScript pattern that matches a whole path exactly when nginx's `location ~* "^<path>"` (or `~`)
 * matches it: `<path>.*`, or with a top-level alternation `.*?(?:^<path>).*` (nginx's `^` binds to the first
 * alternative only).
 */
export function locationRegex(path: string, caseless: boolean): Converted {
  const c = pcreToEcma(path, caseless);
  if ('error' in c) return c;
  return { source: hasTopLevelAlternation(path) ? `.*?(?:^${c.source}).*` : `${c.source}.*` };
}

/** A lookahead that fails where the nginx location `^<path>` would have matched first. */
export function excludeLocation(path: string, caseless: boolean): Converted {
  const c = pcreToEcma(path, caseless);
  if ('error' in c) return c;
  return { source: hasTopLevelAlternation(path) ? `(?!.*?(?:^${c.source}))` : `(?!${c.source})` };
}

/**
 * A header value match (full match in the Gateway API) equivalent to `ngx.re.match(value, pattern)`, which
 * finds the pattern anywhere in the value, case-sensitively.
 */
export function searchRegex(pattern: string): Converted {
  const c = pcreToEcma(pattern, false);
  if ('error' in c) return c;
  return { source: `.*?(?:${c.source}).*` };
}

/** Escapes text for use as a literal inside an ECMAScript pattern. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}/-]/g, (m) => `\\${m}`);
}

/** Compiles a converted (or PCRE-compatible) pattern as nginx uses it for `location ~*`: a search from the start. */
export function nginxLocationMatcher(path: string, caseless: boolean): RegExp | undefined {
  const c = locationRegex(path, caseless);
  if ('error' in c) return undefined;
  return new RegExp(`^(?:${c.source})$`);
}
