import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
// yaml is inlined into assets/cli.js by esbuild (scripts/bundle.mjs), so it stays a devDependency
// eslint-disable-next-line import/no-extraneous-dependencies
import { LineCounter, parseAllDocuments } from 'yaml';

/** Where an object came from: a file and the document's position in it (0-based). */
export interface ManifestSource {
  readonly file: string;
  readonly document: number;
}

export interface LoadedManifests {
  /** The objects, in file order then document order. */
  readonly objects: unknown[];
  /** `sources[i]` is where `objects[i]` came from. */
  readonly sources: ManifestSource[];
  /** Files or documents that could not be read, each naming the file, document and line. */
  readonly errors: string[];
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads Kubernetes manifests from files and directories (recursively; `.yaml`, `.yml` and `.json`, in sorted
 * order). Multi-document YAML is split; empty documents are skipped. A file or document that does not parse
 * is reported in `errors` with its file, document index and line, and the rest is still loaded.
 */
export async function loadManifests(paths: readonly string[]): Promise<LoadedManifests> {
  const objects: unknown[] = [];
  const sources: ManifestSource[] = [];
  const { files, errors } = await manifestFiles(paths);
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    const parsed = parseText(file, text);
    errors.push(...parsed.errors);
    for (const { value, document } of parsed.documents) {
      objects.push(value);
      sources.push({ file, document });
    }
  }
  return { objects, sources, errors };
}

/** Splits one file's text into documents (exported for tests and for `bundle`). */
export function parseText(file: string, text: string): { documents: Array<{ value: unknown; document: number }>; errors: string[] } {
  const documents: Array<{ value: unknown; document: number }> = [];
  const errors: string[] = [];
  if (extname(file) === '.json') {
    try {
      const value: unknown = JSON.parse(text);
      const items = isList(value) ? (value as { items: unknown[] }).items : [value];
      items.forEach((v, i) => documents.push({ value: v, document: i }));
    } catch (e) {
      errors.push(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    return { documents, errors };
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const pos = lines.linePos(err.pos[0]);
      errors.push(`${file}: document ${index} (line ${pos.line}, column ${pos.col}): ${err.message.split('\n')[0]}`);
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    documents.push({ value, document: index });
  });
  return { documents, errors };
}

function isList(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'List' && Array.isArray((v as { items?: unknown }).items);
}

/** The manifest files under `paths` (what `loadManifests` reads), and the paths that cannot be read. */
export async function manifestFiles(paths: readonly string[]): Promise<{ files: string[]; errors: string[] }> {
  const files: string[] = [];
  const errors: string[] = [];
  for (const p of paths) {
    try {
      files.push(...(await collect(p)));
    } catch (e) {
      errors.push(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
  }
  return { files, errors };
}

async function collect(path: string): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await collect(full)));
    else if (EXTENSIONS.has(extname(entry.name))) out.push(full);
  }
  return out;
}

/** `file.yaml#2` for a diagnostic's input index. */
export function sourceOf(sources: readonly ManifestSource[], index: number): string {
  const s = sources[index];
  return s ? `${s.file}#${s.document}` : `input #${index}`;
}
