import { SourceObject } from './read';
import { ValuesLookup } from './model';

/** The vCluster chart repository https://charts.loft.sh (loft-sh/vcluster README, "helm repo add loft"), with or without a trailing slash. */
export function isVClusterRepository(url: unknown): boolean {
  return typeof url === 'string' && /^https:\/\/charts\.loft\.sh\/?$/.test(url);
}

/** An exact chart version (semver, optional leading `v`): ranges and `*` cannot go into a fleet file. */
export function isExactChartVersion(version: string): boolean {
  return /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version);
}

/** One line for the values problems of a vCluster. */
export function valueProblems(problems: readonly string[]): string {
  return `values the chart would refuse: ${problems.join('; ')}`;
}

/**
 * The kind-less document (a vcluster.yaml) whose file path ends with `repoPath`, or with its
 * longest tail that names exactly one read file: the repository path and the folder the user
 * imported rarely start at the same place. `ambiguous` lists the files when a tail fits several.
 */
export function findValuesDocument(lookup: ValuesLookup, repoPath: string): { doc?: SourceObject; ambiguous?: string[] } {
  const segments = repoPath.split('/').filter((s) => s !== '' && s !== '.');
  for (let start = 0; start < segments.length; start++) {
    const tail = segments.slice(start).join('/');
    const hits = lookup.documents.filter((d) => d.at.file === tail || d.at.file.endsWith(`/${tail}`));
    if (hits.length === 1) {
      hits[0]!.used = true;
      return { doc: hits[0]!.at };
    }
    // Several files share this tail and no longer one fits: which one Argo CD reads is unknown.
    if (hits.length > 1) return { ambiguous: hits.map((h) => h.at.file) };
  }
  return {};
}
