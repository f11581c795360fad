/**
 * Where the tests find the Gateway API data they read but never copy: the v1.6.1 CRDs and the upstream
 * conformance manifests, next to the repository (`../shared/gateway-api/`) or where the environment says.
 * In a clone without them (a fresh clone elsewhere, CI) the tests that need them are skipped, and
 * globalSetup prints one notice per missing directory (jest shows no output of a fully skipped file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './node-versions';

const SHARED = path.join(REPO_ROOT, '..', 'shared', 'gateway-api');

/** The v1.6.1 CRD directory (`standard/` and `experimental/` inside): GATEWAY_API_CRDS or ../shared. */
export function crdsDir(): string {
  return process.env.GATEWAY_API_CRDS ?? path.join(SHARED, 'v1.6.1');
}

/** The upstream conformance manifests: GATEWAY_API_CONFORMANCE_MANIFESTS or ../shared. */
export function conformanceManifestsDir(): string {
  return process.env.GATEWAY_API_CONFORMANCE_MANIFESTS ?? path.join(SHARED, 'conformance-manifests');
}

/** One line per missing directory, saying what is skipped and how to provide it. */
export function sharedDataNotices(): string[] {
  const out: string[] = [];
  if (!fs.existsSync(crdsDir())) {
    out.push(`notice: no Gateway API v1.6.1 CRDs at ${crdsDir()}: the CRD schema and CEL validation tests are skipped ` +
      '(set GATEWAY_API_CRDS to a directory with standard/ and experimental/)');
  }
  if (!fs.existsSync(conformanceManifestsDir())) {
    out.push(`notice: no upstream conformance manifests at ${conformanceManifestsDir()}: the tests that run them are skipped ` +
      '(set GATEWAY_API_CONFORMANCE_MANIFESTS)');
  }
  return out;
}
