import { constants, createCipheriv, createHash, KeyObject, publicEncrypt, randomBytes, X509Certificate } from 'crypto';
import { escapeUnsafe, Problem, ProblemCollector, showValue, ValidationError } from '../errors';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from '../constructs/names';
import { SealedSecretScope, sealingLabel } from './scope';

/** Length of the AES-256 session key the Sealed Secrets controller expects. */
const SESSION_KEY_BYTES = 32;
/** GCM nonce size. The nonce is all zeros: safe only because every session key is fresh and used once. */
const GCM_NONCE_BYTES = 12;
/** The controller generates 4096-bit keys; below 2048 bits a key is weak and no longer a sealed value our validators accept. */
const MIN_RSA_BITS = 2048;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;
const PEM_ANY = /-----BEGIN ([A-Z0-9 ]+)-----/;

/** A Sealed Secrets controller certificate, checked and ready to seal with. */
export interface SealingCertificate {
  /** The certificate's RSA public key; values are sealed for it. */
  readonly publicKey: KeyObject;
  /** Size of the RSA modulus in bits (the controller uses 4096). */
  readonly modulusBits: number;
  /**
   * SHA-256 of the certificate's DER bytes, lowercase hex without colons. It is what
   * `openssl x509 -noout -fingerprint -sha256` prints, lowercased and without the colons; record
   * it next to a sealed value to know which certificate the value was sealed for.
   */
  readonly sha256: string;
  /** The certificate's subject, e.g. `CN=sealed-secrets-demo`. */
  readonly subject: string;
  /** End of the certificate's validity. */
  readonly validTo: Date;
  /**
   * Things worth telling the user that do not stop sealing, e.g. an expired certificate (the
   * controller still decrypts with its key, but it has probably rotated to a newer one).
   */
  readonly warnings: readonly string[];
}

/** Options for `parseSealingCertificate`. */
export interface ParseSealingCertificateOptions {
  /**
   * The moment expiry is judged against.
   * @default new Date()
   */
  readonly now?: Date;
}

/** What a value is sealed for: the Secret it may be unsealed into. */
export interface SealingTarget {
  /** Namespace of the Secret the controller will create (a DNS-1123 label). */
  readonly namespace: string;
  /** Name of that Secret (a DNS-1123 subdomain). */
  readonly name: string;
  /**
   * Which Secrets may unseal the value; decides the OAEP label.
   * @default SealedSecretScope.STRICT
   */
  readonly scope?: SealedSecretScope;
}

/** Options for `sealValue`. */
export interface SealValueOptions extends SealingTarget {
  /** The controller's certificate as PEM text (`kubeseal --fetch-cert`), or one already parsed. */
  readonly certificate: string | SealingCertificate;
  /** The secret value to seal. It is never echoed in errors. */
  readonly plaintext: string | Buffer;
}

/**
 * Checks the Secret a value is sealed for. Problems carry the field names `namespace`, `name`
 * and `scope` as their path.
 */
export function sealingTargetProblems(target: SealingTarget): Problem[] {
  const problems: Problem[] = [];
  if (!isDns1123Label(target.namespace)) {
    problems.push({ path: 'namespace', message: 'is not a valid namespace', value: showValue(target.namespace), allowed: DNS1123_LABEL_RULE });
  }
  if (!isDns1123Subdomain(target.name)) {
    problems.push({ path: 'name', message: 'is not a valid Secret name', value: showValue(target.name), allowed: DNS1123_SUBDOMAIN_RULE });
  }
  const scope = target.scope ?? SealedSecretScope.STRICT;
  if (!Object.values(SealedSecretScope).includes(scope)) {
    problems.push({ path: 'scope', message: 'unknown sealing scope', value: showValue(scope), allowed: Object.values(SealedSecretScope).join(', ') });
  }
  return problems;
}

/** Problems with a PEM certificate, or the parsed certificate. Problems use the path `certificate`. */
function inspectCertificate(pem: unknown, now: Date): { problems: Problem[]; certificate?: SealingCertificate } {
  const path = 'certificate';
  if (typeof pem !== 'string' || pem.trim() === '') {
    return { problems: [{ path, message: 'is empty', allowed: 'the PEM certificate of the Sealed Secrets controller (kubeseal --fetch-cert)' }] };
  }
  const block = PEM_CERTIFICATE.exec(pem);
  // The certificate file is the one users are told to commit; a private key beside the
  // certificate (a `cat tls.crt tls.key` bundle, or the controller's own key Secret) would unseal
  // every value sealed for it. Refused, and none of the key's text is shown.
  const privateBlock = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/.exec(pem);
  if (block !== null && privateBlock !== null) {
    return {
      problems: [
        {
          path,
          message: `holds a ${privateBlock[1]} next to the certificate; this file is meant to be committed, and the private key unseals every value sealed for it: keep only the certificate (kubeseal --fetch-cert) and keep the key out of the repository (if it was ever committed, rotate the controller's key)`,
          allowed: 'the PEM certificate of the Sealed Secrets controller alone',
        },
      ],
    };
  }
  if (block === null) {
    const other = PEM_ANY.exec(pem);
    let message: string;
    if (other === null) {
      message = 'is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block)';
    } else if (/PRIVATE KEY/.test(other[1])) {
      // Never show any of a private key's text: it is a secret.
      message = `holds a ${other[1]}, not a certificate; seal with the controller's public certificate and keep private keys out of the repository`;
    } else {
      message = `holds a PEM "${other[1]}" block, not a certificate`;
    }
    return { problems: [{ path, message, allowed: 'the PEM certificate of the Sealed Secrets controller (kubeseal --fetch-cert)' }] };
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block[0]);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      problems: [{ path, message: `is not a readable X.509 certificate (${reason})`, allowed: 'the PEM certificate of the Sealed Secrets controller (kubeseal --fetch-cert)' }],
    };
  }
  const key = cert.publicKey;
  // `rsa-pss` keys cannot do OAEP, so only plain `rsa` qualifies.
  if (key.asymmetricKeyType !== 'rsa') {
    return { problems: [{ path, message: 'does not hold an RSA public key; Sealed Secrets seals with RSA-OAEP', value: showValue(key.asymmetricKeyType), allowed: 'rsa' }] };
  }
  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusBits < MIN_RSA_BITS) {
    return {
      problems: [{ path, message: 'holds an RSA key that is too small', value: `${modulusBits} bits`, allowed: `at least ${MIN_RSA_BITS} bits (the controller generates 4096)` }],
    };
  }
  const validTo = new Date(cert.validTo);
  const validFrom = new Date(cert.validFrom);
  const warnings: string[] = [];
  if (!Number.isNaN(validFrom.getTime()) && validFrom.getTime() > now.getTime()) {
    // The controller decrypts with the key whatever the dates say, but a certificate from the
    // future means either a clock that is wrong here or a certificate not yet in use by the controller.
    warnings.push(
      `the certificate (${escapeUnsafe(cert.subject.replace(/\n/g, ', '))}) is not valid before ${validFrom.toISOString()}; check this machine's clock, and that the controller already uses this key (kubeseal --fetch-cert shows the one in use)`,
    );
  }
  if (Number.isNaN(validTo.getTime())) {
    warnings.push(`the certificate's expiry date ${showValue(cert.validTo)} could not be read`);
  } else if (validTo.getTime() < now.getTime()) {
    warnings.push(
      `the certificate (${escapeUnsafe(cert.subject.replace(/\n/g, ', '))}) expired on ${validTo.toISOString()}; the controller may have rotated to a newer key: fetch its current certificate with kubeseal --fetch-cert`,
    );
  }
  return {
    problems: [],
    certificate: {
      publicKey: key,
      modulusBits,
      sha256: createHash('sha256').update(cert.raw).digest('hex'),
      subject: cert.subject.replace(/\n/g, ', '),
      validTo,
      warnings,
    },
  };
}

/**
 * Reads a Sealed Secrets controller certificate (PEM). The first certificate in the text is
 * used. Throws a `ValidationError` when the text is not a PEM certificate, holds a private key
 * (instead of or beside the certificate), or holds a key that is not RSA or smaller than 2048
 * bits. An expired or not yet valid certificate is returned with a warning in `warnings`, not refused.
 */
export function parseSealingCertificate(pem: string, options: ParseSealingCertificateOptions = {}): SealingCertificate {
  const { problems, certificate } = inspectCertificate(pem, options.now ?? new Date());
  if (certificate === undefined) throw new ValidationError('Sealed Secrets certificate', problems);
  return certificate;
}

/**
 * Seals one value for the Sealed Secrets controller that owns `certificate`, exactly as
 * `kubeseal` does, so the result can go into a `bitnami.com/v1alpha1` SealedSecret's
 * `spec.encryptedData`:
 * `base64( uint16_be(len(rsa)) || rsa || aesgcm )`, where `rsa` is RSA-OAEP (SHA-256, MGF1
 * SHA-256) of a fresh 32-byte AES-256 key with the scope's label (`sealingLabel`), and `aesgcm`
 * is AES-256-GCM of the value under that key with a zero 12-byte nonce, no AAD, tag appended.
 *
 * Every call draws a new session key, so the output differs on every call even for the same
 * input. Throws a `ValidationError` listing every problem (paths `certificate`, `namespace`,
 * `name`, `scope`, `plaintext`); the plaintext is never part of an error.
 */
export function sealValue(options: SealValueOptions): string {
  const collector = new ProblemCollector();
  for (const p of sealingTargetProblems(options)) collector.add(p);
  let certificate: SealingCertificate | undefined;
  if (typeof options.certificate === 'string') {
    const inspected = inspectCertificate(options.certificate, new Date());
    for (const p of inspected.problems) collector.add(p);
    certificate = inspected.certificate;
  } else if (options.certificate !== undefined && options.certificate !== null && options.certificate.publicKey instanceof KeyObject) {
    certificate = options.certificate;
  } else {
    collector.add({ path: 'certificate', message: 'is missing', allowed: 'a PEM certificate or the result of parseSealingCertificate' });
  }
  const plaintext = typeof options.plaintext === 'string' ? Buffer.from(options.plaintext, 'utf8') : options.plaintext;
  if (!Buffer.isBuffer(plaintext)) {
    collector.add({ path: 'plaintext', message: 'must be a string or a Buffer', value: typeof options.plaintext });
  } else if (plaintext.length === 0) {
    collector.add({ path: 'plaintext', message: 'is empty; there is nothing to seal', allowed: 'a non-empty value' });
  }
  collector.throwIfAny('cannot seal the value');

  const label = sealingLabel(options.scope ?? SealedSecretScope.STRICT, options.namespace, options.name);
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const rsa = publicEncrypt(
    {
      key: certificate!.publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      // OpenSSL uses the OAEP digest for MGF1 too unless told otherwise, matching Go's rsa.EncryptOAEP.
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(label, 'utf8'),
    },
    sessionKey,
  );
  const cipher = createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(GCM_NONCE_BYTES));
  const encrypted = Buffer.concat([cipher.update(plaintext as Buffer), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsa.length);
  return Buffer.concat([length, rsa, encrypted]).toString('base64');
}
