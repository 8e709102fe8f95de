import * as path from 'path';
import { FleetArgoCdRepository } from './types';

/**
 * The fleet file's topology settings (where the tree sits in git for Argo CD), read from data the
 * schema already accepted. Kept out of the loader so the loader only calls it.
 */

interface RawRepository {
  readonly repoURL: string;
  readonly targetRevision?: string;
  readonly path?: string;
}

/** `./dist/`, `dist//x/.` and `.` become `dist`, `dist/x` and `.` (the repository root). */
function normalizeRepoPath(p: string): string {
  return (
    path.posix
      .normalize(p)
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '') || '.'
  );
}

function own(record: unknown, key: string): unknown {
  return record !== null && typeof record === 'object' && Object.prototype.hasOwnProperty.call(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/**
 * `{ repository }` from `argocd.repository`, else from `argocd.valuesRepository` (the same
 * repository: it holds the generated vcluster.yaml files), else `{}`.
 */
export function argoRepositoryOf(raw: unknown): { repository?: FleetArgoCdRepository } {
  const argocd = own(raw, 'argocd');
  const repo = (own(argocd, 'repository') ?? own(argocd, 'valuesRepository')) as RawRepository | undefined;
  if (repo === undefined) return {};
  return { repository: { repoURL: repo.repoURL, targetRevision: repo.targetRevision ?? 'HEAD', path: normalizeRepoPath(repo.path ?? 'dist') } };
}

/** What the topology checks need of the loader's problem collector. */
export interface TopologyProblems {
  /** Records a problem at the node of `segments` (the loader adds file, line and column). */
  add(segments: readonly (string | number)[], problem: { message: string; value?: string; allowed?: string }): void;
  /** A short "path (line N)" reference to another place in the file. */
  ref(segments: readonly (string | number)[]): string;
}

/** Argo CD refuses an Application name that is not a DNS-1123 label (src/delivery/argocd.ts checks it too). */
const MAX_APPLICATION_NAME = 63;

/** Name of the per-key Application (topology-argocd.ts); repeated here so the loader can place clashes. */
function keyApplicationName(prefix: string, keyId: string): string {
  return `${prefix}vcluster-platform-key-${keyId}`;
}

/** `namePrefix` as written, `''` when absent. */
export function namePrefixOf(raw: unknown): string {
  const prefix = own(raw, 'namePrefix');
  return typeof prefix === 'string' ? prefix : '';
}

/**
 * Refuses generated Argo CD Application names that cannot work: past 63 characters once
 * `namePrefix` is added, or equal to the Application generated for a key (both live in Argo CD's
 * namespace, so one would replace the other). Each problem is placed at the vCluster's `name`.
 */
export function checkGeneratedNames(
  raw: unknown,
  vclusters: readonly { readonly name: string; readonly delivery: string }[],
  vclusterIndex: readonly number[],
  keyIds: readonly string[],
  problems: TopologyProblems,
): void {
  const prefix = namePrefixOf(raw);
  const keyApps = new Map(keyIds.map((id) => [keyApplicationName(prefix, id), id]));
  vclusters.forEach((vc, n) => {
    if (vc.delivery !== 'argocd') return;
    const at = ['vclusters', vclusterIndex[n]!, 'name'];
    const name = `${prefix}${vc.name}`;
    if (name.length > MAX_APPLICATION_NAME) {
      problems.add(at, {
        message: `with namePrefix ${JSON.stringify(prefix)} the Argo CD Application is named ${JSON.stringify(name)}, ${name.length} characters; Argo CD Application names are DNS-1123 labels of at most ${MAX_APPLICATION_NAME}`,
        value: JSON.stringify(vc.name),
        allowed: `a name of at most ${MAX_APPLICATION_NAME - prefix.length} characters, or a shorter namePrefix`,
      });
    }
    const key = keyApps.get(name);
    if (key !== undefined) {
      problems.add(at, {
        message: `the Argo CD Application ${JSON.stringify(name)} of this vCluster is also the Application that applies key ${JSON.stringify(key)} (at ${problems.ref(['apiKeys', key])}); one would replace the other`,
        value: JSON.stringify(vc.name),
        allowed: 'another vCluster name, or a namePrefix',
      });
    }
  });
}
