import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

/**
 * A fresh self-signed certificate (EC P-256, one day) for `names`, made with openssl in a temp dir.
 * Never committed: every test run makes its own.
 */
export function selfSignedCert(names: string[], commonName = names[0]): TestCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-cert-'));
  const keyFile = path.join(dir, 'tls.key');
  const certFile = path.join(dir, 'tls.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${commonName}`,
    '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
  ], { stdio: 'pipe' });
  const out = { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Writes a kubernetes.io/tls Secret as the data plane reads it: `<dir>/<ns>/<name>/tls.crt|tls.key`. */
export function writeSecret(secretsDir: string, ref: string, cert: TestCert): void {
  const dir = path.join(secretsDir, ...ref.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tls.crt'), cert.cert);
  fs.writeFileSync(path.join(dir, 'tls.key'), cert.key);
}

/** A throwaway certificate authority (EC P-256, one day) that signs leaf certificates with `issue()`. */
export interface TestCa extends TestCert {
  readonly name: string;
}

export function testCa(name = 'Test CA'): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-ca-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt'), '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ], { stdio: 'pipe' });
    return { name, cert: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), key: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface LeafOptions {
  /** Subject, e.g. `/CN=client/O=shop`. */
  readonly subject: string;
  readonly dns?: string[];
  readonly uris?: string[];
  /** IP address SANs (a server reached by address, such as the stand-in API server on 127.0.0.1). */
  readonly ips?: string[];
  /** clientAuth (default) or serverAuth. */
  readonly usage?: 'clientAuth' | 'serverAuth';
}

/** A leaf certificate signed by `ca` (one day), for a server (SANs) or a client (mTLS). */
export function issue(ca: TestCa, o: LeafOptions): TestCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-leaf-'));
  try {
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f('ca.crt'), ca.cert);
    fs.writeFileSync(f('ca.key'), ca.key);
    const sans = [...(o.dns ?? []).map((d) => `DNS:${d}`), ...(o.uris ?? []).map((u) => `URI:${u}`), ...(o.ips ?? []).map((a) => `IP:${a}`)];
    fs.writeFileSync(f('ext.cnf'), [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${o.usage ?? 'clientAuth'}`,
      ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
    ].join('\n') + '\n');
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', o.subject], { stdio: 'pipe' });
    execFileSync('openssl', ['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '1', '-out', f('leaf.crt'), '-extfile', f('ext.cnf')], { stdio: 'pipe' });
    return { cert: fs.readFileSync(f('leaf.crt'), 'utf8'), key: fs.readFileSync(f('leaf.key'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a CA bundle ConfigMap as the data plane reads it: `<dir>/<ns>/<name>/ca.crt`. */
export function writeCaBundle(configMapsDir: string, ref: string, pem: string): void {
  const dir = path.join(configMapsDir, ...ref.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ca.crt'), pem);
}

/** A kubernetes.io/tls Secret holding `cert`, as a YAML document (for manifests written inline in tests). */
export function tlsSecretYaml(namespace: string, name: string, cert: TestCert): string {
  return `apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: ${namespace} }
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(cert.cert).toString('base64')}
  tls.key: ${Buffer.from(cert.key).toString('base64')}`;
}
