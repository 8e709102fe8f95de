import * as fs from 'fs';
import * as path from 'path';
import { SealedSecretScope } from '../src/sealing/scope';
import { sealValue } from '../src/sealing/sealed-secrets';

/** The mix of a generated fleet. */
export interface GeneratedFleetOptions {
  /** How many vClusters. */
  readonly vclusters: number;
  /** Every how many vClusters one gets a dedicated sealed key. @default 10 */
  readonly dedicatedEvery?: number;
  /** vClusters per shared key. @default 50 */
  readonly perSharedKey?: number;
}

const CHART_VERSIONS = ['0.36.1', '0.31.3', '0.28.0', '0.33.0'];
const DELIVERY = ['argocd', 'argocd', 'flux', 'flux', 'none'];

/** The demo controller certificate shipped in examples/ (its private key was never kept). */
export function demoCertificate(root: string): string {
  return fs.readFileSync(path.join(root, 'examples', 'demo-sealed-secrets.crt'), 'utf8');
}

/**
 * A realistic fleet file: shared keys from External Secrets (every third one fanned out with a
 * ClusterExternalSecret), a dedicated sealed key for every `dedicatedEvery`-th vCluster, one
 * existing key, both chart eras, Argo CD / Flux / none delivery, some explicit release names and
 * service accounts. Sealed values are sealed once for real with the demo certificate and reused.
 */
export function generateFleetYaml(root: string, options: GeneratedFleetOptions): string {
  const n = options.vclusters;
  const dedicatedEvery = options.dedicatedEvery ?? 10;
  const perSharedKey = options.perSharedKey ?? 50;
  const sharedKeys = Math.max(1, Math.ceil(n / perSharedKey));
  const cert = demoCertificate(root);
  const out: string[] = [
    '# yaml-language-server: $schema=../schema/vclusters.schema.json',
    `# Generated benchmark fleet: ${n} vClusters.`,
    'platform:',
    '  host: platform.example.com',
    'defaults:',
    '  chartVersion: "0.36.1"',
    '  delivery: argocd',
    'flux:',
    '  valuesFrom: configMap',
    'apiKeys:',
    '  existing:',
    '    namespace: vcluster-platform',
    '    secretName: legacy-key',
    '    existing: {}',
  ];
  for (let k = 0; k < sharedKeys; k++) {
    out.push(
      `  shared-${k}:`,
      `    namespace: platform-keys-${k}`,
      '    rotation: "2026-11-01"',
      ...(k % 3 === 2 ? ['    fanOut: clusterExternalSecret'] : []),
      '    externalSecret:',
      '      storeRef: { kind: ClusterSecretStore, name: vault }',
      `      remoteRef: { key: vcluster-platform/key-${k} }`,
    );
  }
  const sealed = new Map<string, string>();
  const vcs: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `vc-${String(i).padStart(5, '0')}`;
    const namespace = `tenant-${String(i).padStart(5, '0')}`;
    const lines = [`  - name: ${name}`, `    namespace: ${namespace}`];
    if (i % dedicatedEvery === 0) {
      const keyId = `dedicated-${i}`;
      // Sealing is strict-scoped to the key's namespace/name, so each dedicated key is sealed once.
      let value = sealed.get(namespace);
      if (value === undefined) {
        value = sealValue({ certificate: cert, namespace, name: 'vcluster-platform-api-key', scope: SealedSecretScope.STRICT, plaintext: `DEMO-ONLY-not-a-real-key-${i}` });
        sealed.set(namespace, value);
      }
      out.push(
        `  ${keyId}:`,
        `    namespace: ${namespace}`,
        `    instanceName: ${name}`,
        '    sealed:',
        '      scope: strict',
        `      sealedFor: ${namespace}/vcluster-platform-api-key`,
        `      encryptedAccessKey: ${value}`,
      );
      lines.push(`    apiKey: ${keyId}`);
    } else if (i % 97 === 1) {
      lines.push('    apiKey: existing');
    } else {
      lines.push(`    apiKey: shared-${Math.floor(i / perSharedKey) % sharedKeys}`);
    }
    const version = CHART_VERSIONS[i % CHART_VERSIONS.length]!;
    if (version !== '0.36.1') lines.push(`    chartVersion: "${version}"`);
    const delivery = DELIVERY[i % DELIVERY.length]!;
    if (delivery !== 'argocd') lines.push(`    delivery: ${delivery}`);
    if (i % 7 === 3) lines.push(`    release: ${name}-vc`);
    if (i % 11 === 5) lines.push(`    serviceAccountName: ${name}-sa`);
    vcs.push(...lines);
  }
  out.push('vclusters:', ...vcs, '');
  return out.join('\n');
}
