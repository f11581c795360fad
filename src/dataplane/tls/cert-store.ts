import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { CaBundleRef, CertificateRef } from '../../config/dataplane-config';
import { stampOf } from '../ops/file-watcher';

/** A certificate Secret loaded from disk, ready to serve. */
export interface LoadedCertificate {
  readonly ref: CertificateRef;
  readonly context: tls.SecureContext;
  /** DNS names the certificate is valid for (SANs, or the CN when it has none), lower-case. */
  readonly names: string[];
  readonly cert: string;
  readonly key: string;
}

interface FileState {
  /** Undefined: the file was not there (an overlay directory's file that may appear later). */
  readonly content: string | undefined;
  /** realpath + mtime + size: a ConfigMap/Secret volume swaps the `..data` symlink, which changes the realpath. */
  readonly stamp: string;
}

/**
 * Certificates (`<secrets-dir>/<ns>/<name>/tls.crt|tls.key`) and CA bundles
 * (`<configmaps-dir>/<ns>/<name>/<key>`, or the secrets dir for a Secret) read from disk and re-read
 * when they change. `version` increases on every change so that users of the material (secure
 * contexts, upstream TLS pools) can tell their copy is stale.
 *
 * Cluster mode adds overlay directories (sync's `secrets/` and `configmaps/`): a file there comes before the
 * same file in the mounted directory, and one appearing there later is noticed like a change.
 */
export class CertStore {
  public version = 0;
  private readonly files = new Map<string, FileState>();
  private readonly certs = new Map<string, LoadedCertificate | Error>();
  private readonly failed = new Map<string, CertificateRef>();

  private readonly secretsDirs: string[];
  private readonly configMapsDirs: string[];

  constructor(
    secretsDir: string | undefined, configMapsDir: string | undefined, overlay?: { readonly secrets: string; readonly configMaps: string },
  ) {
    this.secretsDirs = [overlay?.secrets, secretsDir].filter((d): d is string => d !== undefined);
    this.configMapsDirs = [overlay?.configMaps, configMapsDir].filter((d): d is string => d !== undefined);
  }

  /** The certificate, or an Error saying which file is missing or invalid. */
  public certificate(ref: CertificateRef): LoadedCertificate | Error {
    const id = `${ref.namespace}/${ref.name}`;
    let c = this.certs.get(id);
    if (c === undefined) {
      c = this.loadCertificate(ref);
      this.certs.set(id, c);
      if (c instanceof Error) this.failed.set(id, ref);
      else this.failed.delete(id);
    }
    return c;
  }

  /** A CA bundle's PEM text, or an Error. */
  public caBundle(ref: CaBundleRef): string | Error {
    const dirs = ref.kind === 'Secret' ? this.secretsDirs : this.configMapsDirs;
    if (dirs.length === 0) return new Error(`CA bundle ${ref.kind} ${ref.namespace}/${ref.name} needs --${ref.kind === 'Secret' ? 'secrets' : 'configmaps'}-dir`);
    return this.readFirst(dirs.map((dir) => path.join(dir, ref.namespace, ref.name, ref.key || 'ca.crt')));
  }

  /** Re-stats every file read so far; returns true (and bumps `version`) when any changed. */
  public refresh(): boolean {
    let changed = false;
    for (const [file, state] of this.files) {
      const stamp = stampOf(file);
      if (stamp !== state.stamp) {
        this.files.delete(file);
        changed = true;
      }
    }
    // a certificate that failed (file missing, not PEM) is retried on every refresh; one that loads now is a change
    // too, so that the TLS selections cached with its error are dropped
    for (const [id, ref] of this.failed) {
      this.certs.delete(id);
      if (!(this.certificate(ref) instanceof Error)) changed = true;
    }
    if (changed) {
      this.certs.clear();
      this.version++;
    }
    return changed;
  }

  private loadCertificate(ref: CertificateRef): LoadedCertificate | Error {
    if (this.secretsDirs.length === 0) return new Error(`certificate Secret ${ref.namespace}/${ref.name} needs --secrets-dir`);
    // the first directory that has the certificate (an overlay's copy comes first)
    const dirs = this.secretsDirs.map((d) => path.join(d, ref.namespace, ref.name));
    let dir = dirs[dirs.length - 1];
    for (let i = 0; i < dirs.length - 1; i++) {
      if (!(this.read(path.join(dirs[i], 'tls.crt'), true) instanceof Error)) {
        dir = dirs[i];
        break;
      }
    }
    const cert = this.read(path.join(dir, 'tls.crt'));
    if (cert instanceof Error) return cert;
    const key = this.read(path.join(dir, 'tls.key'));
    if (key instanceof Error) return key;
    try {
      const context = tls.createSecureContext({ cert, key });
      return { ref, context, names: certificateNames(cert), cert, key };
    } catch (e) {
      return new Error(`certificate Secret ${ref.namespace}/${ref.name}: ${whichFile(dir, cert, key, e as Error)}`);
    }
  }

  /** The first of `files` that can be read; the ones before it are watched for appearing. */
  private readFirst(files: string[]): string | Error {
    let first: Error | undefined;
    for (let i = 0; i < files.length; i++) {
      const last = i === files.length - 1;
      const r = this.read(files[i], !last);
      if (!(r instanceof Error)) return r;
      first ??= r;
      if (last) return r;
    }
    return first!;
  }

  private read(file: string, watchMissing = false): string | Error {
    const known = this.files.get(file);
    if (known?.content !== undefined) return known.content;
    if (known) return new Error(`cannot read ${file}: ENOENT`);
    try {
      const stamp = stampOf(file);
      const content = fs.readFileSync(file, 'utf8');
      this.files.set(file, { content, stamp });
      return content;
    } catch (e) {
      // a missing overlay file is remembered: refresh() notices when it appears
      if (watchMissing) this.files.set(file, { content: undefined, stamp: 'missing' });
      return new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}

/** Which of tls.crt and tls.key is wrong, and how, when OpenSSL refused the pair (its message names neither). */
function whichFile(dir: string, cert: string, key: string, e: Error): string {
  try {
    new X509Certificate(cert);
  } catch (certError) {
    return `${path.join(dir, 'tls.crt')} is not a PEM certificate (${(certError as Error).message})`;
  }
  try {
    createPrivateKey(key);
  } catch (keyError) {
    return `${path.join(dir, 'tls.key')} is not a PEM private key (${(keyError as Error).message})`;
  }
  const mismatch = /key values mismatch|KEY_VALUES_MISMATCH/i.test(e.message);
  return mismatch ? `${path.join(dir, 'tls.key')} is not the key of ${path.join(dir, 'tls.crt')}` : `${dir}: ${e.message}`;
}

export function certificateNames(pem: string): string[] {
  try {
    const x = new X509Certificate(pem);
    const names = (x.subjectAltName ?? '').split(/,\s*/).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
    if (names.length) return names;
    const cn = /CN=([^\n,]+)/.exec(x.subject);
    return cn ? [cn[1].toLowerCase()] : [];
  } catch {
    return [];
  }
}

/** Whether a certificate name (possibly `*.example.com`) covers a host name. */
export function nameCovers(name: string, host: string): boolean {
  if (name === host) return true;
  if (name.startsWith('*.')) {
    const dot = host.indexOf('.');
    return dot > 0 && host.slice(dot) === name.slice(1);
  }
  return false;
}
