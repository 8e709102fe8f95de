import { showValue } from '../errors';

/**
 * Where a URL's user information sits: `scheme://` then everything up to the LAST `@` of the
 * authority (a password may itself hold `@`), which ends at the first `/`, `?` or `#` after it.
 */
const SCHEME_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i;
/** How much of a value the URL expressions look at: far more than any scheme and user information. */
const MAX_URL_HEAD = 8192;
/** scp-like git syntax `user@host:path` (no scheme), as `git clone` and Argo CD accept it. */
const SCP_USERINFO = /^([^/@\s]+)@([^/:\s@]+):/;

/** What a URL of the fleet or of a delivery construct may carry, for error messages. */
export const URL_CREDENTIALS_RULE =
  'a URL without user information, e.g. "https://github.com/acme/platform.git"; give credentials to the tool instead (an Argo CD repository Secret, a Flux secretRef), and for SSH only the user name, e.g. "ssh://git@github.com/acme/platform.git"';

/** The credential part of a URL, if any: a password, or (outside SSH) a user name, which is often a token. */
function credentialOf(value: string): { userinfo: string; ssh: boolean } | undefined {
  // Cheap first: most strings shown in messages are no URL at all (and some are megabytes long).
  if (!value.includes('@')) return undefined;
  // User information sits at the start; the regular expressions only ever see that part, since
  // backtracking over a value of megabytes can exhaust V8's regexp stack.
  const head = value.slice(0, MAX_URL_HEAD);
  const m = SCHEME_USERINFO.exec(head);
  if (m) return { userinfo: m[2]!, ssh: /^ssh:\/\//i.test(m[1]!) || /^git\+ssh:\/\//i.test(m[1]!) };
  const scp = SCP_USERINFO.exec(head);
  if (scp) return { userinfo: scp[1]!, ssh: true };
  return undefined;
}

/**
 * True when `value` carries a secret in its user information: any password (`user:pass@`), and a
 * user name alone unless the URL is SSH. An SSH user (`git@github.com:acme/x`, `ssh://git@...`)
 * names the account the key logs into and is no secret; an https user name alone is how GitHub,
 * GitLab and Bitbucket take tokens (`https://TOKEN@github.com/...`).
 */
export function hasUrlCredentials(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const found = credentialOf(value);
  if (!found) return false;
  return found.userinfo.includes(':') || !found.ssh;
}

/** `value` with its user information replaced by `***` (SSH user names kept); other strings as they are. */
export function maskUrlCredentials(value: string): string {
  if (!hasUrlCredentials(value)) return value;
  const head = value.slice(0, MAX_URL_HEAD);
  const m = SCHEME_USERINFO.exec(head);
  if (m) return `${m[1]}***@${value.slice(m[0].length)}`;
  return head.replace(SCP_USERINFO, '***@$2:') + value.slice(MAX_URL_HEAD);
}

/** Renders a URL for an error message like `showValue`, with any credential masked. */
export function showUrl(value: unknown): string {
  return typeof value === 'string' ? showValue(maskUrlCredentials(value)) : showValue(value);
}
