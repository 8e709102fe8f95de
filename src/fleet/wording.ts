// How values and names are rendered in fleet problems.
import { showUrl } from '../constructs/url';
import { showValue } from '../errors';
import type { Locator } from './locator';
import type { Segment } from './problems';

/** Quotes a field name for a message; odd names are JSON-quoted so they stay on one line. */
export function quoteName(name: string): string {
  return /^[\x21-\x26\x28-\x7e]{1,80}$/.test(name) ? `'${name}'` : showValue(name);
}

/** True for paths whose value must not be shown in full. */
function isSealedValuePath(segments: readonly Segment[]): boolean {
  return segments[segments.length - 1] === 'encryptedAccessKey';
}

/** A sealed value is not the key, but it is long and opaque: show a short prefix and its length only. */
export function sealedPreview(value: unknown): string {
  if (typeof value !== 'string') return describeType(value);
  return `${showValue(value.slice(0, 6) + (value.length > 6 ? '...' : ''))} (${value.length} characters)`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

/** The value as the user wrote it, plus its YAML type when that is the point of the error. */
export function shownValue(segments: readonly Segment[], value: unknown, locator: Locator, withType: boolean): string {
  if (isSealedValuePath(segments)) return sealedPreview(value);
  if (value !== null && typeof value === 'object') return describeType(value);
  const source = typeof value === 'number' || typeof value === 'boolean' ? locator.sourceText(segments) : undefined;
  // A URL (or host) that the schema refused for another reason may still hold a token: mask it.
  const text = source !== undefined && !/[\r\n]/.test(source) && source.length <= 80 ? source : typeof value === 'string' ? showUrl(value) : showValue(value);
  return withType ? `${text} (${describeType(value)})` : text;
}

/**
 * Explains the character that spoils a value, e.g. a Cyrillic look-alike letter or a line break;
 * with `dns`, also upper case and '_', which Kubernetes names do not allow.
 */
export function nameHint(value: unknown, dns = true): string {
  if (typeof value !== 'string') return '';
  const odd = [...value].find((ch) => ch.codePointAt(0)! > 0x7e || ch.codePointAt(0)! < 0x20);
  if (odd !== undefined) {
    const code = `U+${odd.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return odd.codePointAt(0)! > 0x7e
      ? ` (it contains the non-ASCII character ${code}, perhaps a look-alike of a Latin letter)`
      : ` (it contains the control character ${code}, e.g. a line break)`;
  }
  if (/ /.test(value)) return ' (it contains a space)';
  if (!dns) return '';
  if (/[A-Z]/.test(value)) return ' (it contains upper-case letters)';
  if (/_/.test(value)) return " (it contains '_'; use '-')";
  return '';
}
