// Semantic checks of the Argo CD and Flux settings (on data the schema accepted).
import { Problems } from '../problems';
import type { RawArgoCd } from '../raw';

/** prune and selfHeal are options of automated sync only. */
export function checkArgoCdSyncOptions(argocd: RawArgoCd, problems: Problems): void {
  if ((argocd.syncPolicy ?? 'automated') !== 'manual') return;
  for (const field of ['prune', 'selfHeal'] as const) {
    if (argocd[field] === true) {
      problems.add(['argocd', field], {
        message: `${field} only applies to automated sync, but syncPolicy is manual`,
        value: 'true',
        allowed: 'leave it out, or syncPolicy: automated',
      });
    }
  }
}

/** An ApplicationSet reads the generated values from git, so it needs the repository that holds them. */
export function checkArgoCdApplicationSet(argocd: RawArgoCd, problems: Problems): void {
  if (argocd.applicationSet !== true || argocd.valuesRepository !== undefined) return;
  problems.add(['argocd', 'applicationSet'], {
    message: "an ApplicationSet reads each vCluster's generated vcluster.yaml from git, so it needs argocd.valuesRepository (the repository holding the generated tree)",
    value: 'true',
    allowed: 'argocd.valuesRepository set, or applicationSet: false (one Application per vCluster with inline values)',
  });
}
