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
