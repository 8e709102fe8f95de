/** The key source lines of a shared key fetched by External Secrets Operator. */
export const EXTERNAL_SECRET_SOURCE = ['    externalSecret:', '      storeRef: { name: vault }', '      remoteRef: { key: platform/vcluster-api-key }'];

/** The key source line of a shared key that already exists on the cluster. */
export const EXISTING_SOURCE = ['    existing: {}'];

/**
 * A fleet of `n` vClusters in the plain block style of real fleet files, all using one shared key
 * in `vcluster-platform` (chart 0.36.1 by default); `vcluster(i)` writes the i-th list entry.
 */
export function sharedKeyFleet(
  n: number,
  vcluster: (i: number) => string[] = (i) => [`  - name: team-${i}`, `    namespace: ns-${i}`],
  source: readonly string[] = EXTERNAL_SECRET_SOURCE,
): string {
  const lines = [
    'platform:',
    '  host: platform.example.com',
    'defaults:',
    '  chartVersion: "0.36.1"',
    '  apiKey: shared',
    'apiKeys:',
    '  shared:',
    '    namespace: vcluster-platform',
    ...source,
    'vclusters:',
  ];
  for (let i = 0; i < n; i++) lines.push(...vcluster(i));
  return `${lines.join('\n')}\n`;
}
