// The Azure ML data plane at https://<region>.api.azureml.ms: the workspace discovery document
// (anonymous, as in Azure) and, behind token verification, the routes other parts add (run
// history, MLflow). Unknown paths get Azure ML's JSON error shape.
import type { HostHandler, HostRequest, HostResponse, Principal, ServiceContext } from '../contract';

/** Audiences the data plane accepts: Azure ML's own and ARM's. */
export const DATAPLANE_AUDIENCES = ['https://ml.azure.com', 'https://management.azure.com', 'https://management.core.windows.net'];

export interface DataplaneRoute {
  method: string;
  /** Matched against the URL path. */
  path: RegExp;
  handle(req: HostRequest, match: RegExpExecArray, principal: Principal): Promise<HostResponse>;
}

export function dataplaneError(ctx: ServiceContext, req: HostRequest, status: number, code: string, message: string, innerCode?: string): HostResponse {
  return {
    status,
    body: {
      error: { code, message, details: [], innerError: innerCode ? { code: innerCode } : undefined },
      correlation: { operation: req.requestId, request: req.requestId },
      environment: ctx.facts.location,
      location: ctx.facts.location,
      time: new Date(ctx.now()).toISOString(),
    },
  };
}

function discoveryDocument(region: string): Record<string, string> {
  const api = `https://${region}.api.azureml.ms`;
  return {
    api,
    catalog: api,
    experimentation: api,
    gallery: api,
    history: api,
    hyperdrive: api,
    labeling: api,
    modelmanagement: api,
    pipelines: api,
    studio: 'https://ml.azure.com',
  };
}

export function createDataplaneHandler(ctx: ServiceContext, routes: DataplaneRoute[] = []): HostHandler {
  return async (req) => {
    const region = req.url.hostname.split('.')[0];
    if (req.method === 'GET' && req.url.pathname === '/discovery' && !req.headers.authorization) {
      return { status: 200, body: discoveryDocument(region) };
    }
    const check = ctx.tokens.verify(req.headers.authorization, DATAPLANE_AUDIENCES);
    if (!check.ok) {
      const response = dataplaneError(ctx, req, check.status, 'UserError', check.message, check.code);
      return { ...response, headers: { 'WWW-Authenticate': check.wwwAuthenticate } };
    }
    if (req.method === 'GET' && req.url.pathname === '/discovery') return { status: 200, body: discoveryDocument(region) };
    for (const route of routes) {
      const match = route.method === req.method ? route.path.exec(req.url.pathname) : null;
      if (match) return route.handle(req, match, check.principal);
    }
    return dataplaneError(ctx, req, 404, 'UserError', `The Azure ML data plane emulator has no API ${req.method} ${req.url.pathname}.`, 'NotFound');
  };
}
