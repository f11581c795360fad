import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AtomicVolume } from '../support/volume';

export type K8sObject = Record<string, any>;

/** Every object in the YAML files of a directory (what `kubectl apply -f dir/` would send). */
export function readManifests(dir: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const v = doc.toJSON();
      if (v) out.push(v);
    }
  }
  return out;
}

function find(objects: K8sObject[], kind: string, namespace: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === namespace);
}

/** The files of a ConfigMap or Secret volume, as the kubelet projects them (items, or every key). */
function volumeFiles(source: K8sObject, items: Array<{ key: string; path: string }> | undefined, kind: 'ConfigMap' | 'Secret'): Record<string, Buffer> {
  const all: Record<string, Buffer> = {};
  if (kind === 'ConfigMap') {
    for (const [k, v] of Object.entries<string>(source.data ?? {})) all[k] = Buffer.from(v, 'utf8');
    for (const [k, v] of Object.entries<string>(source.binaryData ?? {})) all[k] = Buffer.from(v, 'base64');
  } else {
    for (const [k, v] of Object.entries<string>(source.data ?? {})) all[k] = Buffer.from(v, 'base64');
    for (const [k, v] of Object.entries<string>(source.stringData ?? {})) all[k] = Buffer.from(v, 'utf8');
  }
  if (!items) return all;
  const out: Record<string, Buffer> = {};
  for (const i of items) if (all[i.key] !== undefined) out[i.path] = all[i.key];
  return out;
}

/** A pod laid out on disk under `root`: its volumes, and the container's command rewritten to those paths. */
export interface LaidOutPod {
  readonly root: string;
  /** `node` replaced by the given binary; every path under a mount path prefixed with `root`. */
  readonly argv: string[];
  /** The AtomicVolume of each mount path, to update a volume the way the kubelet does. */
  readonly volumes: Map<string, AtomicVolume>;
  /** The volume name mounted at each mount path. */
  readonly volumeNames: Map<string, string>;
}

/**
 * Does what the kubelet does for the Deployment's one container, short of running an image: writes each
 * ConfigMap, Secret and emptyDir volume under `root` at its mount path (files as symlinks into `..data`),
 * and returns the container's command and args with paths moved under `root`. A missing optional
 * ConfigMap or Secret gives an empty volume; a missing required one throws (the pod would not start).
 */
export function layOutPod(objects: K8sObject[], deployment: K8sObject, root: string, node: string): LaidOutPod {
  const ns = deployment.metadata.namespace ?? 'default';
  const pod = deployment.spec.template.spec;
  if (pod.containers.length !== 1) throw new Error(`expected one container, got ${pod.containers.length}`);
  const c = pod.containers[0];
  const volumes = new Map<string, AtomicVolume>();
  const volumeNames = new Map<string, string>();
  for (const m of c.volumeMounts ?? []) {
    const v = pod.volumes.find((x: K8sObject) => x.name === m.name);
    if (!v) throw new Error(`volumeMount ${m.name} has no volume`);
    const dir = path.join(root, m.mountPath);
    volumeNames.set(m.mountPath, m.name);
    if (v.emptyDir) {
      fs.mkdirSync(dir, { recursive: true });
      continue;
    }
    const kind = v.configMap ? 'ConfigMap' : v.secret ? 'Secret' : undefined;
    if (!kind) throw new Error(`volume ${v.name}: only configMap, secret and emptyDir volumes are laid out`);
    const ref = v.configMap ?? v.secret;
    const name = v.configMap ? ref.name : ref.secretName;
    const source = find(objects, kind, ns, name);
    if (!source && !ref.optional) throw new Error(`volume ${v.name}: ${kind} ${ns}/${name} does not exist and is not optional`);
    const volume = new AtomicVolume(dir);
    volume.write(source ? volumeFiles(source, ref.items, kind) : {});
    volumes.set(m.mountPath, volume);
  }
  const mountPaths = [...volumeNames.keys()];
  const rewrite = (arg: string) => arg.replace(/(^|=)(\/[^=]*)/g, (whole, lead: string, p: string) => {
    // a path in a volume, or a directory holding volumes (--secrets-dir holds one volume per Secret)
    const inPod = mountPaths.some((x) => p === x || p.startsWith(`${x}/`) || x.startsWith(`${p}/`));
    return inPod ? `${lead}${path.join(root, p)}` : whole;
  });
  const command: string[] = c.command ?? [];
  if (command[0] !== 'node') throw new Error(`the container's command is not node: ${JSON.stringify(command)}`);
  return { root, argv: [node, ...command.slice(1).map(rewrite), ...(c.args ?? []).map(rewrite)], volumes, volumeNames };
}

/** Replaces a ConfigMap volume's content the way the kubelet propagates an update (one atomic swap). */
export function updateConfigMapVolume(pod: LaidOutPod, mountPath: string, configMap: K8sObject): void {
  const volume = pod.volumes.get(mountPath);
  if (!volume) throw new Error(`nothing is mounted at ${mountPath}`);
  volume.write(volumeFiles(configMap, undefined, 'ConfigMap'));
}
