/**
 * What a data-plane pod runs first: `node boot.js [--inflate <file.gz>=<file>]... -- <bundle> [data-plane args]`.
 * Bundled by esbuild into assets/boot.js and shipped, uncompressed, in the bundle ConfigMap next to the
 * gzip-compressed data plane (`dataplane.js.gz`), so that the ConfigMap stays small whatever the bundle size.
 *
 * - `<bundle>`: the data plane; a `.gz` file is inflated in memory and run as a CommonJS module with
 *   `process.argv` set as if it had been started as `node <bundle> [data-plane args]`.
 * - `--inflate src.gz=dst`: a compressed config ConfigMap. `src.gz` is inflated to `dst` (on a writable
 *   emptyDir) before the data plane starts and again whenever the ConfigMap volume swaps its content,
 *   by an atomic rename, so the data plane's own config watcher hot-reloads it as it would a plain file.
 *   A corrupt update is logged and skipped: the last good config stays in place.
 *
 * Runs on any Node.js >= 20 with no dependencies. Internal: not exported from src/index.ts.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { FileWatcher } from '../ops/file-watcher';

export interface BootArgs {
  readonly inflate: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  readonly bundle: string;
  readonly rest: readonly string[];
}

export class BootUsageError extends Error {}

export const BOOT_USAGE = 'usage: boot.js [--inflate <file.gz>=<file>]... -- <bundle[.gz]> [data-plane args...]';

export function parseBootArgs(argv: readonly string[]): BootArgs {
  const inflate: Array<{ from: string; to: string }> = [];
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    if (argv[i] !== '--inflate') throw new BootUsageError(`unknown option "${argv[i]}"\n${BOOT_USAGE}`);
    const v = argv[++i] ?? '';
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new BootUsageError(`--inflate "${v}" must look like /a/config.json.gz=/b/config.json`);
    inflate.push({ from: v.slice(0, eq), to: v.slice(eq + 1) });
  }
  const bundle = argv[i + 1];
  if (argv[i] !== '--' || !bundle) throw new BootUsageError(`missing "-- <bundle>"\n${BOOT_USAGE}`);
  return { inflate, bundle, rest: argv.slice(i + 2) };
}

/** The file's content, gunzipped when its name ends in `.gz`. */
export function readMaybeGzipped(file: string): Buffer {
  const raw = fs.readFileSync(file);
  return file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw;
}

/** Inflates `from` into `to` atomically (write a sibling temp file, then rename). */
export function inflateFile(from: string, to: string): void {
  const data = zlib.gunzipSync(fs.readFileSync(from));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, to);
}

function logError(msg: string, fields: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg, component: 'boot', ...fields }) + '\n');
}

/**
 * Keeps `to` in step with `from`, noticing a ConfigMap update the way the data plane notices one of its
 * config file (`..data` symlink swaps). Returns a function that stops watching.
 */
export function keepInflated(from: string, to: string): () => void {
  const watcher = new FileWatcher(from, () => {
    try {
      inflateFile(from, to);
    } catch (e) {
      logError('compressed config update refused; the last good config stays in place', { file: from, error: (e as Error).message });
    }
  });
  return () => watcher.close();
}

/** Runs a CommonJS bundle (plain or gzipped) in this process, as `node <bundle> ...rest` would. */
export function runBundle(bundle: string, rest: readonly string[]): void {
  const code = readMaybeGzipped(bundle).toString('utf8');
  const filename = bundle.replace(/\.gz$/, '');
  process.argv = [process.argv[0], filename, ...rest];
  const mod = { exports: {} as unknown, filename, id: '.', loaded: false };
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename });
  wrapper.call(mod.exports, mod.exports, createRequire(filename), mod, filename, path.dirname(filename));
}

export function boot(argv: readonly string[]): void {
  const args = parseBootArgs(argv);
  for (const { from, to } of args.inflate) {
    inflateFile(from, to);
    keepInflated(from, to);
  }
  runBundle(args.bundle, args.rest);
}
