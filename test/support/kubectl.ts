/**
 * kubectl as an oracle: what `kubectl create secret generic … --dry-run=client -o yaml` writes
 * for the same entries is what a plain access-key Secret must look like.
 */
import { execFileSync } from 'child_process';
import { parse } from 'yaml';

function detectKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}

/** True when a `kubectl` binary runs on this machine. */
export const HAVE_KUBECTL = detectKubectl();

/** Why kubectl-backed tests are skipped, for test names. */
export const KUBECTL_SKIP_REASON = 'skipped: kubectl is not installed (the plain-Secret oracle needs `kubectl create secret generic --dry-run=client`)';

/** `describe` when kubectl is available, otherwise a skipped block whose name says why. */
export function describeKubectl(name: string, fn: () => void): void {
  if (HAVE_KUBECTL) describe(name, fn);
  else describe.skip(`${name} (${KUBECTL_SKIP_REASON})`, fn);
}

/**
 * The Secret kubectl generates for `entries` (each becomes `--from-literal=key=value`, in the
 * given order; kubectl sorts the keys itself), parsed, without `metadata.creationTimestamp`.
 * Runs kubectl directly (no shell), fully offline. Values are passed as arguments, so use test
 * values only, never a real key.
 */
export function kubectlSecret(name: string, namespace: string, entries: Readonly<Record<string, string>>): Record<string, unknown> {
  const args = ['create', 'secret', 'generic', name, '-n', namespace, '--type=Opaque'];
  for (const [k, v] of Object.entries(entries)) args.push(`--from-literal=${k}=${v}`);
  args.push('--dry-run=client', '-o', 'yaml');
  const out = execFileSync('kubectl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });
  const secret = parse(out) as Record<string, unknown> & { metadata?: Record<string, unknown> };
  if (secret.metadata) {
    const { creationTimestamp: _dropped, ...metadata } = secret.metadata;
    secret.metadata = metadata;
  }
  return secret;
}
