import type { PathMatchConfig, PathModifierConfig } from '../../config/dataplane-config';

/**
 * Applies a URLRewrite or RequestRedirect path modifier. ReplacePrefixMatch replaces the matched
 * PathPrefix (whole segments) and keeps the rest, with the spec's slash rules:
 * `/foo/bar` with prefix `/foo` and replacement `/xyz` or `/xyz/` → `/xyz/bar`; replacement `` or `/` → `/bar`;
 * `/foo` → `/xyz` (or `/`).
 */
export function modifyPath(path: string, modifier: PathModifierConfig, matched: PathMatchConfig): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value || '/';
  // ReplacePrefixMatch is only valid with a PathPrefix match (the compiler rejects others)
  const prefix = matched.type === 'PathPrefix' && matched.value !== '/' ? matched.value.replace(/\/+$/, '') : '';
  const rest = path.slice(prefix.length);
  const replacement = modifier.value.replace(/\/+$/, '');
  let out = replacement + rest;
  if (out === '') out = '/';
  else if (out.charCodeAt(0) !== 47) out = '/' + out;
  return out;
}
