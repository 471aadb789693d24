// Access tokens as Entra ID issues them (v1 format, RS256, kid), and their verification by the
// resource providers (ARM, the Azure ML data plane).
import { randomBytes } from 'node:crypto';
import type { Cloud, Identity } from './cloud';
import type { Principal, TokenCheck, TokenVerifier } from './contract';
import { decodeJwt, hasValidRsaSignature, signJwt } from './jwt';

export interface IssuedToken {
  accessToken: string;
  /** Seconds since the epoch. */
  expiresOn: number;
  notBefore: number;
  lifetimeSeconds: number;
}

export function stsIssuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

export class TokenIssuer {
  constructor(
    private readonly cloud: Cloud,
    private readonly now: () => number,
    private readonly lifetimeSeconds: number,
  ) {}

  /** `appidacr`: 1 for a secret, 2 for a certificate or assertion (Entra's values). */
  issue(identity: Identity, audience: string, appidacr: '1' | '2'): IssuedToken {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + this.lifetimeSeconds;
    const { tenantId, subscriptionId, resourceGroupName } = this.cloud.facts;
    const claims: Record<string, unknown> = {
      aud: audience,
      iss: stsIssuer(tenantId),
      iat,
      nbf: iat,
      exp,
      appid: identity.clientId,
      appidacr,
      idp: stsIssuer(tenantId),
      idtyp: 'app',
      oid: identity.objectId,
      sub: identity.objectId,
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    if (identity.identityHeader) {
      claims.xms_mirid = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity.displayName}`;
    }
    const { keyPem, keyId } = this.cloud.tokenSigning;
    return { accessToken: signJwt({ kid: keyId, x5t: keyId }, claims, keyPem), expiresOn: exp, notBefore: iat, lifetimeSeconds: this.lifetimeSeconds };
  }
}

function withoutTrailingSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Checks tokens as a resource provider does: Entra's signature, the tenant, expiry, audience. */
export function createTokenVerifier(cloud: Cloud, now: () => number): TokenVerifier {
  const { tenantId } = cloud.facts;
  const fail = (code: Extract<TokenCheck, { ok: false }>['code'], message: string): TokenCheck => ({
    ok: false,
    status: 401,
    code,
    message,
    wwwAuthenticate: `Bearer authorization_uri="https://login.microsoftonline.com/${tenantId}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
  });
  return {
    verify(authorization, audiences) {
      if (!authorization) return fail('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) return fail('AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
      const jwt = decodeJwt(match[1]);
      if (!jwt || jwt.header.kid !== cloud.tokenSigning.keyId || !hasValidRsaSignature(jwt, cloud.tokenSigning.publicKeyPem)) {
        return fail('InvalidAuthenticationToken', 'The access token is invalid: its signature was not made by this tenant\'s Entra ID signing key.');
      }
      const { claims } = jwt;
      if (claims.iss !== stsIssuer(tenantId) || claims.tid !== tenantId) {
        return fail('InvalidAuthenticationToken', `The access token is from the wrong issuer '${String(claims.iss)}'. It must match the tenant '${stsIssuer(tenantId)}' associated with this subscription.`);
      }
      const nowSeconds = Math.floor(now() / 1000);
      const exp = Number(claims.exp);
      if (!Number.isFinite(exp) || exp <= nowSeconds) {
        return fail('ExpiredAuthenticationToken', `The access token expiry UTC time '${utc(exp)}' is earlier than current UTC time '${utc(nowSeconds)}'.`);
      }
      const audience = String(claims.aud);
      const allowed = audiences.map(withoutTrailingSlash);
      if (!allowed.includes(withoutTrailingSlash(audience))) {
        return fail('InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed audiences '${audiences.join("','")}'.`);
      }
      const principal: Principal = { objectId: String(claims.oid), appId: String(claims.appid), tenantId, audience };
      return { ok: true, principal };
    },
  };
}
