// Entra ID at https://login.microsoftonline.com: instance discovery, OpenID configuration, JWKS and
// the client-credentials token endpoint (v2.0 and v1) for secrets, certificate assertions and
// federated (workload identity) assertions, with AADSTS-style errors.
import { randomUUID } from 'node:crypto';
import type { Cloud, Identity } from './cloud';
import type { HostHandler, HostRequest, HostResponse } from './contract';
import { certificateThumbprints, decodeJwt, type DecodedJwt, hasValidRsaSignature, publicJwk } from './jwt';
import { type IssuedToken, type TokenIssuer, stsIssuer } from './tokens';

const LOGIN = 'https://login.microsoftonline.com';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra tolerates this much clock skew on assertion lifetimes. */
const CLOCK_SKEW_SECONDS = 300;

class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function errorResponse(e: EntraError, req: HostRequest): HostResponse {
  const traceId = req.requestId;
  const correlationId = String(req.headers['client-request-id'] ?? req.headers['x-ms-correlation-request-id'] ?? randomUUID());
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    status: e.status,
    body: {
      error: e.error,
      error_description: `AADSTS${e.code}: ${e.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [e.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${LOGIN}/error?code=${e.code}`,
    },
  };
}

const OIDC_SCOPES = ['openid', 'profile', 'offline_access', 'email'];

/** The audience of a client-credentials token: the resource of a `<resource>/.default` scope. */
function audienceOfScope(scope: string): string {
  // MSAL libraries may add the OpenID scopes; they carry no resource.
  const scopes = scope.split(' ').filter((s) => s && !OIDC_SCOPES.includes(s));
  const resource = scopes.length === 1 && scopes[0].endsWith('/.default') ? scopes[0].slice(0, -'/.default'.length) : undefined;
  if (!resource) {
    throw new EntraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  return resource;
}

function openIdConfiguration(tenantId: string, v2: boolean): Record<string, unknown> {
  const base = `${LOGIN}/${tenantId}`;
  return {
    token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${base}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2 ? `${base}/v2.0` : stsIssuer(tenantId),
    request_uri_parameter_supported: false,
    authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

export class EntraId {
  constructor(
    private readonly cloud: Cloud,
    private readonly issuer: TokenIssuer,
  ) {}

  readonly handler: HostHandler = async (req) => {
    try {
      return this.route(req);
    } catch (e) {
      if (e instanceof EntraError) return errorResponse(e, req);
      throw e;
    }
  };

  private route(req: HostRequest): HostResponse {
    const { tenantId } = this.cloud.facts;
    const segments = req.url.pathname.split('/').filter(Boolean);
    const [tenant, ...rest] = segments;
    const route = rest.join('/');
    const knownTenant = tenant === tenantId || tenant === 'common' || tenant === 'organizations';
    if (req.method === 'GET' && tenant === 'common' && route === 'discovery/instance') return { status: 200, body: this.instanceDiscovery() };
    if (tenant && !knownTenant) {
      throw new EntraError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. This tenant is '${tenantId}'.`);
    }
    if (req.method === 'GET' && (route === 'v2.0/.well-known/openid-configuration' || route === '.well-known/openid-configuration')) {
      return { status: 200, body: openIdConfiguration(tenantId, route.startsWith('v2.0')) };
    }
    if (req.method === 'GET' && (route === 'discovery/v2.0/keys' || route === 'discovery/keys')) return { status: 200, body: this.jwks() };
    if (req.method === 'POST' && (route === 'oauth2/v2.0/token' || route === 'oauth2/token')) {
      if (tenant !== tenantId) {
        throw new EntraError(400, 'invalid_request', 50059, `No tenant-identifying information found in either the request or implied by any provided credentials. Use the tenant id '${tenantId}' in the authority for client credentials.`);
      }
      return this.token(req, route === 'oauth2/v2.0/token');
    }
    return { status: 404, body: { error: 'not_found', error_description: `The emulated Entra ID has no endpoint ${req.method} ${req.url.pathname}.` } };
  }

  private instanceDiscovery(): Record<string, unknown> {
    return {
      tenant_discovery_endpoint: `${LOGIN}/${this.cloud.facts.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] }],
    };
  }

  private jwks(): Record<string, unknown> {
    const { publicKeyPem, keyId } = this.cloud.tokenSigning;
    return { keys: [{ kty: 'RSA', use: 'sig', kid: keyId, x5t: keyId, ...publicJwk(publicKeyPem), issuer: `${LOGIN}/${this.cloud.facts.tenantId}/v2.0` }] };
  }

  private token(req: HostRequest, v2: boolean): HostResponse {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const basic = /^Basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent);
      if (!form.has('client_id')) form.set('client_id', id);
      if (!form.has('client_secret')) form.set('client_secret', secret);
    }
    const required = (name: string): string => {
      const value = form.get(name);
      if (!value) throw new EntraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
      return value;
    };
    const grantType = required('grant_type');
    if (grantType !== 'client_credentials') {
      throw new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'. The emulated tenant supports client_credentials.`);
    }
    const clientId = required('client_id');
    const audience = v2 ? audienceOfScope(required('scope')) : required('resource');
    const identity = Object.values(this.cloud.identities).find((i) => i.clientId === clientId && !i.identityHeader);
    if (!identity) {
      throw new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.cloud.facts.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const appidacr = this.authenticate(identity, form);
    return { status: 200, body: tokenResponse(this.issuer.issue(identity, audience, appidacr), audience, v2) };
  }

  /** Checks the client's credential; returns the token's appidacr. */
  private authenticate(identity: Identity, form: URLSearchParams): '1' | '2' {
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!identity.clientSecret || secret !== identity.clientSecret) {
        throw new EntraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${identity.clientId}'.`);
      }
      return '1';
    }
    if (assertion === null) {
      throw new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      throw new EntraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: 'client_assertion_type' with the value '${JWT_BEARER}'.`);
    }
    const jwt = decodeJwt(assertion);
    if (!jwt) throw new EntraError(400, 'invalid_client', 50027, 'JWT token is invalid or malformed: the client_assertion is not a JWT.');
    if (identity.certificatePem) this.checkCertificateAssertion(identity, identity.certificatePem, jwt);
    else if (identity.federatedCredential) this.checkFederatedAssertion(identity.federatedCredential, jwt);
    else throw new EntraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The key was not found.] App '${identity.clientId}' has no certificate or federated credential registered.`);
    this.checkLifetime(jwt);
    return '2';
  }

  private checkCertificateAssertion(identity: Identity, certificatePem: string, jwt: DecodedJwt): void {
    const { x5t, x5tS256 } = certificateThumbprints(certificatePem);
    const presented = jwt.header['x5t#S256'] ?? jwt.header.x5t;
    if (presented !== x5tS256 && presented !== x5t) {
      throw new EntraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${String(presented)}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${identity.clientId}'.]`);
    }
    if (!hasValidRsaSignature(jwt, certificatePem)) {
      throw new EntraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${String(presented)}']`);
    }
    if (jwt.claims.iss !== identity.clientId || jwt.claims.sub !== identity.clientId) {
      throw new EntraError(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter: its 'iss' and 'sub' claims must both be the client id.");
    }
    const tenantEndpoints = [`${LOGIN}/${this.cloud.facts.tenantId}/oauth2/v2.0/token`, `${LOGIN}/${this.cloud.facts.tenantId}/oauth2/token`, `${LOGIN}/${this.cloud.facts.tenantId}/`];
    const audiences = ([] as unknown[]).concat(jwt.claims.aud);
    if (!audiences.some((aud) => tenantEndpoints.includes(String(aud)))) {
      throw new EntraError(401, 'invalid_client', 50013, `Assertion audience claim does not match the required value. The audience in the assertion was '${audiences.join(',')}' and the expected audience is '${tenantEndpoints[0]}'.`);
    }
  }

  private checkFederatedAssertion(credential: NonNullable<Identity['federatedCredential']>, jwt: DecodedJwt): void {
    const { federation } = this.cloud;
    const audiences = ([] as unknown[]).concat(jwt.claims.aud).map(String);
    if (jwt.claims.iss !== credential.issuer || jwt.claims.sub !== credential.subject || !audiences.includes(credential.audience)) {
      throw new EntraError(400, 'invalid_request', 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(jwt.claims.iss)}'. Assertion Subject: '${String(jwt.claims.sub)}'. Assertion Audience: '${audiences.join(',')}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`);
    }
    if (!hasValidRsaSignature(jwt, federation.publicKeyPem)) {
      throw new EntraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The key was not found in the issuer '${federation.issuer}' signing keys., Key id used by client: '${String(jwt.header.kid)}']`);
    }
  }

  private checkLifetime(jwt: DecodedJwt): void {
    // Clients mint assertions with real clocks, so admin time travel does not apply to them.
    const now = Math.floor(Date.now() / 1000);
    const exp = Number(jwt.claims.exp);
    const nbf = jwt.claims.nbf === undefined ? -Infinity : Number(jwt.claims.nbf);
    if (!Number.isFinite(exp) || exp + CLOCK_SKEW_SECONDS < now || nbf - CLOCK_SKEW_SECONDS > now) {
      throw new EntraError(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, expiry time of assertion ${Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : 'missing'}.`);
    }
  }
}

/** The token response: v2.0 (expires_in as a number) or v1 (strings, with resource and expires_on). */
export function tokenResponse(token: IssuedToken, audience: string, v2: boolean): Record<string, unknown> {
  if (v2) return { token_type: 'Bearer', expires_in: token.lifetimeSeconds, ext_expires_in: token.lifetimeSeconds, access_token: token.accessToken };
  return {
    token_type: 'Bearer',
    expires_in: String(token.lifetimeSeconds),
    ext_expires_in: String(token.lifetimeSeconds),
    expires_on: String(token.expiresOn),
    not_before: String(token.notBefore),
    resource: audience,
    access_token: token.accessToken,
  };
}
