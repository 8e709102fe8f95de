import { Problem, showValue } from '../errors';

/** What a platform host must look like, for error messages. */
export const PLATFORM_HOST_RULE =
  'a host name or IP with an optional :port and no scheme other than https://, path, query or spaces, e.g. "platform.example.com" or "platform.example.com:8443"';

const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/**
 * Normalizes a platform host the way vCluster's CLI stores it: a leading `https://` is stripped
 * (the Secret's `host` carries no scheme). Returns the host, or the problems found at `path`.
 */
export function normalizePlatformHost(value: unknown, path: string): { host?: string; problems: Problem[] } {
  if (typeof value !== 'string' || value.length === 0) {
    return { problems: [{ path, message: 'platform host is required', value: showValue(value), allowed: PLATFORM_HOST_RULE }] };
  }
  let host = value;
  if (/^https:\/\//i.test(host)) host = host.slice('https://'.length);
  // A single trailing slash is how URLs are usually pasted; anything after it is a path.
  if (host.endsWith('/') && host.indexOf('/') === host.length - 1) host = host.slice(0, -1);
  const problem = (message: string): { problems: Problem[] } => ({
    problems: [{ path, message, value: showValue(value), allowed: PLATFORM_HOST_RULE }],
  });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    return problem(/^http:\/\//i.test(host) ? 'plain http:// is not allowed: vCluster talks to the platform over TLS' : 'only the https:// scheme may be given');
  }
  if (/\s/.test(host)) return problem('host must not contain spaces or line breaks');
  if (host.includes('@')) return problem('host must not carry user information');
  if (/[/?#]/.test(host)) return problem('host must not carry a path, query or fragment');
  const m = HOST_PORT.exec(host);
  if (!m || host.length > 253) return problem('not a valid host name');
  if (m[1] !== undefined) {
    const port = Number(m[1]);
    if (port < 1 || port > 65535) return problem('port must be between 1 and 65535');
  }
  if (/^localhost(:|$)/i.test(host) || /^127\./.test(host) || /^\[::1\]/.test(host)) {
    return problem('a loopback host (e.g. from a port-forward) is not reachable from inside the host cluster and breaks licensing');
  }
  return { host, problems: [] };
}

/** What certificate authority data must look like, for error messages. */
export const CA_PEM_RULE = 'one or more PEM blocks "-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----"';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----/g;

/**
 * Checks that `value` is PEM certificate data and nothing else (no private keys).
 * The value itself is never shown in errors: only its length, because a pasted private key must not end up in CI logs.
 */
export function validateCertificateAuthorityData(value: unknown, path: string): Problem[] {
  if (typeof value !== 'string') {
    return [{ path, message: 'must be a string of PEM certificate data', value: typeof value, allowed: CA_PEM_RULE }];
  }
  if (/PRIVATE KEY-----/.test(value)) {
    return [{ path, message: 'holds a private key; only the CA certificate belongs here', allowed: CA_PEM_RULE }];
  }
  const blocks = [...value.matchAll(PEM_BLOCK)];
  const rest = value.replace(PEM_BLOCK, '').trim();
  if (blocks.length === 0 || rest.length > 0) {
    return [{ path, message: 'is not PEM certificate data', value: `${value.length} characters`, allowed: CA_PEM_RULE }];
  }
  for (const block of blocks) {
    const body = block[1]!.replace(/\s+/g, '');
    if (body.length === 0 || body.length % 4 !== 0) {
      return [{ path, message: 'holds a PEM block whose base64 body is malformed', allowed: CA_PEM_RULE }];
    }
  }
  return [];
}
