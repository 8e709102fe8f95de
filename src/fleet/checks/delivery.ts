// Semantic checks of the Argo CD and Flux settings (on data the schema accepted).
import { hasUrlCredentials, showUrl, URL_CREDENTIALS_RULE } from '../../constructs/url';
import { API_SERVER_RULE, GIT_URL_RULE, isArgoPlainText, REPO_PATH_RULE, REVISION_RULE } from '../../delivery/argocd-checks';
import { showValue } from '../../errors';
import { Problems, Segment } from '../problems';
import type { RawArgoCd, RawFleet } from '../raw';

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

/** One URL field of the fleet file: no credentials (shown masked), and text the Argo CD objects can carry. */
function checkUrlField(value: string | undefined, segments: Segment[], problems: Problems, what: string, allowed: string): void {
  if (value === undefined) return;
  if (hasUrlCredentials(value)) {
    problems.add(segments, {
      message: 'must not carry user information: a password or token in the URL would be written into the generated tree and shown in logs',
      value: showUrl(value),
      allowed: URL_CREDENTIALS_RULE,
    });
  } else if (!isArgoPlainText(value)) {
    problems.add(segments, { message: `not ${what} Argo CD objects can carry ('{{' and '}}' are Go-template braces)`, value: showUrl(value), allowed });
  }
}

/**
 * Every URL of the fleet file is checked the same way as platform.host: user information is
 * refused and masked. The Argo CD fields also get the constructs' own rules (`isArgoPlainText`;
 * for paths the characters `isRepositoryPath` refuses, after the loader's own normalizing of
 * `./`, `//` and trailing `/`), so a value the constructs would refuse is refused here with its line.
 */
export function checkUrlsAndArgoText(raw: RawFleet, problems: Problems): void {
  const argocd = raw.argocd ?? {};
  for (const field of ['valuesRepository', 'repository'] as const) {
    const repo = argocd[field];
    if (repo === undefined) continue;
    checkUrlField(repo.repoURL, ['argocd', field, 'repoURL'], problems, 'a repository URL', GIT_URL_RULE);
    if (repo.targetRevision !== undefined && !isArgoPlainText(repo.targetRevision)) {
      problems.add(['argocd', field, 'targetRevision'], {
        message: "not a git revision Argo CD objects can carry ('{{' and '}}' are Go-template braces)",
        value: showValue(repo.targetRevision),
        allowed: REVISION_RULE,
      });
    }
    if (repo.path !== undefined && /[${}]/.test(repo.path)) {
      problems.add(['argocd', field, 'path'], {
        message: "'$' and braces are not allowed: the path goes into Argo CD objects, and the values are read through $values/<path>",
        value: showValue(repo.path),
        allowed: REPO_PATH_RULE,
      });
    }
  }
  // argocd.destinationServer other than the in-cluster server is refused (and masked) by clustersOf.
  for (const [name, cluster] of Object.entries(raw.clusters ?? {})) {
    checkUrlField(cluster.server, ['clusters', name, 'server'], problems, 'an API server URL', API_SERVER_RULE);
  }
}
