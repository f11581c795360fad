/**
 * Contents of the two ConfigMaps of a data plane (the bundle and the config) and Kubernetes' size rules
 * for them. Internal: not exported from src/index.ts.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BOOT_FILE, BUNDLE_FILE, CONFIG_FILE, CONFIG_FILE_GZ, SYNC_BUNDLE_FILE } from './pod-layout';

/** The API server refuses a ConfigMap whose keys and values add up to more than this. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/**
 * Client-side `kubectl apply` copies the whole object into the last-applied-configuration annotation,
 * and annotations are limited to this; bigger objects need `kubectl apply --server-side`.
 */
export const CLIENT_SIDE_APPLY_MAX_BYTES = 256 * 1024;

export interface ConfigMapContent {
  readonly data: Record<string, string>;
  /** Base64, as the ConfigMap carries it. */
  readonly binaryData: Record<string, string>;
  /** Size as the API server counts it: keys plus values (binary values decoded). */
  readonly bytes: number;
  /** Size of the JSON the object carries (what client-side apply copies into an annotation). */
  readonly jsonBytes: number;
}

function content(data: Record<string, string>, binary: Record<string, Buffer>): ConfigMapContent {
  let bytes = 0;
  let jsonBytes = 0;
  const binaryData: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    jsonBytes += Buffer.byteLength(JSON.stringify(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    binaryData[k] = v.toString('base64');
    bytes += Buffer.byteLength(k) + v.length;
    jsonBytes += binaryData[k].length;
  }
  return { data, binaryData, bytes, jsonBytes };
}

/** gzip with the OS byte pinned, so the bytes do not depend on the synthesizing machine's platform. */
export function gzipPinned(data: string | Buffer): Buffer {
  const gz = gzipSync(data, { level: 9 });
  gz[9] = 3;
  return gz;
}

/** The bundle ConfigMap: the boot script (plain), the gzipped data plane and, in cluster mode, the gzipped sync. */
export function bundleContent(boot: Buffer, bundleGz: Buffer, syncGz?: Buffer): ConfigMapContent {
  return content({ [BOOT_FILE]: boot.toString('utf8') }, { [BUNDLE_FILE]: bundleGz, ...(syncGz ? { [SYNC_BUNDLE_FILE]: syncGz } : {}) });
}

/** The config ConfigMap: `config.json`, or `config.json.gz` when compressed. */
export function configContent(configJson: string, compress: boolean): ConfigMapContent {
  return compress ? content({}, { [CONFIG_FILE_GZ]: gzipPinned(configJson) }) : content({ [CONFIG_FILE]: configJson }, {});
}

/** What a pod template annotation records so that a new bundle rolls the Deployment. */
export function bundleChecksum(c: ConfigMapContent): string {
  const h = createHash('sha256');
  for (const k of Object.keys(c.data).sort()) h.update(`data:${k}\0${c.data[k]}\0`);
  for (const k of Object.keys(c.binaryData).sort()) h.update(`binary:${k}\0${c.binaryData[k]}\0`);
  return h.digest('hex');
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)} MiB (${n} bytes)`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB (${n} bytes)`;
  return `${n} bytes`;
}
