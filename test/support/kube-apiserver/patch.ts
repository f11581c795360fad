/** The PATCH content types the stand-in API server takes (see its limits in server.ts). */

export class PatchError extends Error {}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (!isObject(patch)) return patch;
  const out: Record<string, any> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * A strategic merge patch applied as a JSON merge patch: its `$`-directives (`$patch`, `$setElementOrder/...`,
 * `$retainKeys`, `$deleteFromPrimitiveList/...`) are dropped and lists are replaced whole rather than merged
 * by their merge key.
 */
export function strategicMergePatch(target: any, patch: any): any {
  return mergePatch(target, stripDirectives(patch));
}

function stripDirectives(v: any): any {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, any> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 JSON patch (add, remove, replace, test, copy, move). */
export function jsonPatch(target: any, ops: any): any {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  let doc = structuredClone(target);
  const get = (path: string[]): any => path.reduce((o, k) => (o === undefined ? undefined : o[k]), doc);
  const parentOf = (path: string[]): [any, string] => {
    const parent = get(path.slice(0, -1));
    if (parent === undefined || typeof parent !== 'object') throw new PatchError(`path /${path.join('/')} has no parent`);
    return [parent, path[path.length - 1]];
  };
  const add = (path: string[], value: any) => {
    if (path.length === 0) {
      doc = value;
      return;
    }
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, value);
    else parent[key] = value;
  };
  const remove = (path: string[]) => {
    const [parent, key] = parentOf(path);
    if (!(key in parent)) throw new PatchError(`path /${path.join('/')} does not exist`);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  };
  for (const op of ops) {
    const path = pointer(String(op.path ?? ''));
    switch (op.op) {
      case 'add': add(path, structuredClone(op.value)); break;
      case 'remove': remove(path); break;
      case 'replace': remove(path); add(path, structuredClone(op.value)); break;
      case 'test':
        if (JSON.stringify(get(path)) !== JSON.stringify(op.value)) throw new PatchError(`test operation failed at ${op.path}`);
        break;
      case 'copy': add(path, structuredClone(get(pointer(String(op.from))))); break;
      case 'move': {
        const from = pointer(String(op.from));
        const v = get(from);
        remove(from);
        add(path, v);
        break;
      }
      default: throw new PatchError(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}
