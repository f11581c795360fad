/**
 * What sync hands the data plane, in the directory both containers mount (an in-memory emptyDir in the
 * pod, a temp dir for `serve --kubeconfig`):
 *
 *   config.json                         the DataPlaneConfig (the data plane hot-reloads it)
 *   endpoints/<namespace>.<name>.json   one ServiceEndpoints document per Service a backend names
 *   secrets/<namespace>/<name>/<key>    the certificate keys the config names (tls.crt, tls.key, ca.crt)
 *   configmaps/<namespace>/<name>/<key> the CA bundles the config names
 *   sync-metrics.prom                   sync's metrics, appended to the data plane's /metrics
 *
 * Every file is written to a sibling temp file and renamed over the old one, so a reader sees the old or
 * the new content, never a part; unchanged content is not rewritten. Certificates are written before the
 * config that names them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { endpointsFileName, parseEndpointsFileName, ServiceEndpoints } from '../config/service-endpoints';

export const CONFIG_FILE = 'config.json';
export const ENDPOINTS_DIR = 'endpoints';
export const SECRETS_DIR = 'secrets';
export const CONFIGMAPS_DIR = 'configmaps';
export const METRICS_FILE = 'sync-metrics.prom';

/** Writes `content` to `file` atomically unless it already holds it; true when it wrote. */
export function writeAtomic(file: string, content: string | Buffer): boolean {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    if (fs.readFileSync(file).equals(data)) return false;
  } catch {
    // a new file
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
  return true;
}

/** Files of `<kind dir>/<ns>/<name>/<key>` for a set of objects' data; removes what is no longer wanted. */
export function writeObjectFiles(root: string, wanted: ReadonlyMap<string, Buffer>): void {
  fs.mkdirSync(root, { recursive: true });
  for (const [rel, content] of wanted) writeAtomic(path.join(root, rel), content);
  removeUnwanted(root, root, wanted);
}

function removeUnwanted(root: string, dir: string, wanted: ReadonlyMap<string, Buffer>): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      removeUnwanted(root, full, wanted);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
    } else if (!wanted.has(path.relative(root, full))) {
      fs.rmSync(full, { force: true });
    }
  }
}

export class SharedDir {
  constructor(public readonly dir: string) {
    fs.mkdirSync(path.join(dir, ENDPOINTS_DIR), { recursive: true });
  }

  public file(name: string): string {
    return path.join(this.dir, name);
  }

  public writeConfig(json: string): boolean {
    return writeAtomic(this.file(CONFIG_FILE), json);
  }

  public writeEndpoints(doc: ServiceEndpoints): boolean {
    return writeAtomic(path.join(this.dir, ENDPOINTS_DIR, endpointsFileName(doc.namespace, doc.name)), `${JSON.stringify(doc)}\n`);
  }

  public removeEndpoints(namespace: string, name: string): void {
    fs.rmSync(path.join(this.dir, ENDPOINTS_DIR, endpointsFileName(namespace, name)), { force: true });
  }

  /** `namespace/name` of every endpoints document on disk. */
  public endpointFiles(): string[] {
    const out: string[] = [];
    for (const f of fs.readdirSync(path.join(this.dir, ENDPOINTS_DIR))) {
      const p = parseEndpointsFileName(f);
      if (p) out.push(`${p.namespace}/${p.name}`);
    }
    return out;
  }

  public writeSecrets(wanted: ReadonlyMap<string, Buffer>): void {
    writeObjectFiles(this.file(SECRETS_DIR), wanted);
  }

  public writeConfigMaps(wanted: ReadonlyMap<string, Buffer>): void {
    writeObjectFiles(this.file(CONFIGMAPS_DIR), wanted);
  }
}
