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
