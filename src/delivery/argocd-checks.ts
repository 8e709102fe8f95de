// The checks the Argo CD constructs make on their props, exported so the fleet loader refuses
// the same values at their file:line instead of leaving them to the constructs.
import { Problem, ProblemCollector, showValue } from '../errors';
import { DNS1123_LABEL_RULE, isDns1123Label } from '../constructs/names';
import { hasUrlCredentials, showUrl, URL_CREDENTIALS_RULE } from '../constructs/url';
import type { ArgoCdValuesRepository } from './argocd';

/** @internal */
export const URL_RULE = 'a URL without spaces or Go-template braces, e.g. "https://charts.loft.sh"';
/** @internal */
export const API_SERVER_RULE = 'an http(s) URL without spaces or Go-template braces, e.g. "https://kubernetes.default.svc"';
/** @internal */
export const GIT_URL_RULE = 'a git URL without spaces or Go-template braces, e.g. "https://github.com/acme/platform.git"';
/** @internal */
export const REVISION_RULE = 'a branch, tag or commit without spaces or Go-template braces, e.g. "main"';
/** @internal */
export const REPO_PATH_RULE = "a relative path inside the repository: '/'-separated, no leading '/', no empty, '.' or '..' parts, no spaces, '$' or braces";

/** @internal */
export function addIf(problems: ProblemCollector, problem: Problem | undefined): void {
  if (problem) problems.add(problem);
}

/**
 * Text the Argo CD objects may carry: no spaces, and no `{{` / `}}`. An ApplicationSet renders
 * its template with Go templates (`goTemplate: true`), so braces copied into it would be expanded;
 * the Application takes the same rule so that one value works in both. @internal
 */
export function isArgoPlainText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && /^\S+$/.test(value) && !value.includes('{{') && !value.includes('}}');
}

/** @internal */
export function checkLabel(problems: ProblemCollector, path: string, value: unknown, what: string): void {
  if (!isDns1123Label(value)) problems.add({ path, message: `not a valid ${what}`, value: showValue(value), allowed: DNS1123_LABEL_RULE });
}

/** @internal */
export function checkBoolean(problems: ProblemCollector, path: string, value: unknown): void {
  if (typeof value !== 'boolean') problems.add({ path, message: 'must be a boolean', value: showValue(value), allowed: 'true, false' });
}

/**
 * A URL prop: plain text (and matching `scheme` when given), and no credentials in it. Values are
 * shown with their user information masked, so a token pasted into a URL stays out of CI logs.
 * @internal
 */
export function checkUrl(problems: ProblemCollector, path: string, value: unknown, what: string, allowed: string, scheme?: RegExp): void {
  if (hasUrlCredentials(value)) {
    problems.add({
      path,
      message: 'must not carry user information (a password or token in the URL ends up in git and in logs)',
      value: showUrl(value),
      allowed: URL_CREDENTIALS_RULE,
    });
  } else if (!isArgoPlainText(value) || (scheme !== undefined && !scheme.test(value))) {
    problems.add({ path, message: `not ${what}`, value: showUrl(value), allowed });
  }
}

/** True for a path Argo CD resolves inside the repository after `$values/`. */
export function isRepositoryPath(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.startsWith('/') || /[\s${}\\]/.test(value)) return false;
  return value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** @internal */
export function checkRepositoryPath(problems: ProblemCollector, path: string, value: unknown): void {
  if (!isRepositoryPath(value)) problems.add({ path, message: 'not a path inside the repository', value: showValue(value), allowed: REPO_PATH_RULE });
}

/** @internal */
export function checkValuesRepository(problems: ProblemCollector, path: string, repo: ArgoCdValuesRepository): void {
  checkUrl(problems, `${path}.repoURL`, repo.repoURL, 'a repository URL', GIT_URL_RULE);
  if (repo.targetRevision !== undefined && !isArgoPlainText(repo.targetRevision)) {
    problems.add({ path: `${path}.targetRevision`, message: 'not a git revision', value: showValue(repo.targetRevision), allowed: REVISION_RULE });
  }
}
