import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeConfig } from '../compiler';
import type { DataPlaneConfig } from '../config/dataplane-config';

interface K8sObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
}

export interface WorkDirFiles {
  readonly config: string;
  readonly secrets: string;
  readonly configMaps: string;
}

/**
 * Lays out what the pod would get from its volumes: the config, and every Secret and ConfigMap of the
 * manifests as `<dir>/<namespace>/<name>/<key>` (Secret data is base64, as in the API). Called again with
 * changed manifests, it writes only what changed, each file atomically (the data plane may be reading),
 * removes what is gone, and writes the config last so that a reload finds the certificates it names.
 */
export function writeWorkDir(dir: string, config: DataPlaneConfig, objects: readonly unknown[]): WorkDirFiles {
  const files: WorkDirFiles = { config: path.join(dir, 'config.json'), secrets: path.join(dir, 'secrets'), configMaps: path.join(dir, 'configmaps') };
  const wanted = new Map<string, Buffer>();
  for (const o of objects as K8sObject[]) {
    if (!o || typeof o !== 'object' || o.apiVersion !== 'v1' || !o.metadata?.name) continue;
    const ns = o.metadata.namespace ?? 'default';
    if (o.kind === 'Secret') {
      const at = (k: string) => path.join(files.secrets, ns, o.metadata!.name!, k);
      for (const [k, v] of Object.entries(o.data ?? {})) wanted.set(at(k), Buffer.from(v, 'base64'));
      for (const [k, v] of Object.entries(o.stringData ?? {})) wanted.set(at(k), Buffer.from(v));
    } else if (o.kind === 'ConfigMap') {
      for (const [k, v] of Object.entries(o.data ?? {})) wanted.set(path.join(files.configMaps, ns, o.metadata.name, k), Buffer.from(v));
    }
  }
  fs.mkdirSync(files.secrets, { recursive: true });
  fs.mkdirSync(files.configMaps, { recursive: true });
  for (const [file, content] of wanted) writeIfChanged(file, content);
  for (const root of [files.secrets, files.configMaps]) removeUnwanted(root, wanted);
  writeIfChanged(files.config, Buffer.from(serializeConfig(config)));
  return files;
}

function writeIfChanged(file: string, content: Buffer): void {
  try {
    if (fs.readFileSync(file).equals(content)) return;
  } catch {
    // new file
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

function removeUnwanted(dir: string, wanted: ReadonlyMap<string, Buffer>): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      removeUnwanted(full, wanted);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
    } else if (!wanted.has(full)) {
      fs.rmSync(full, { force: true });
    }
  }
}
