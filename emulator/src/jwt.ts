// Compact JWS (RS256) encoding, decoding and signature checks with node's crypto.
import { constants, createHash, createPublicKey, createSign, verify } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function signJwt(header: Record<string, unknown>, claims: JwtClaims, privateKeyPem: string): string {
  const signingInput = `${base64urlJson({ alg: 'RS256', typ: 'JWT', ...header })}.${base64urlJson(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKeyPem).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** Splits and parses a JWT; undefined when it is not one. Does not check the signature. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RS256, or PS256 (what msal-node signs certificate assertions with when it sends x5t#S256). */
export function hasValidRsaSignature(jwt: DecodedJwt, publicKeyOrCertificatePem: string): boolean {
  const input = Buffer.from(jwt.signingInput);
  const key = createPublicKey(publicKeyOrCertificatePem);
  if (jwt.header.alg === 'RS256') return verify('sha256', input, key, jwt.signature);
  if (jwt.header.alg === 'PS256') return verify('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
  return false;
}

/** The RSA public key as a JWK (n, e) for the JWKS document. */
export function publicJwk(publicKeyPem: string): { n: string; e: string } {
  const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  return { n: String(jwk.n), e: String(jwk.e) };
}

/** x5t and x5t#S256: base64url SHA-1 / SHA-256 thumbprints of a certificate's DER. */
export function certificateThumbprints(certPem: string): { x5t: string; x5tS256: string; der: Buffer } {
  const der = Buffer.from(certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
  return {
    der,
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}
