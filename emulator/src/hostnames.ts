// Which hostnames the emulator serves. The proxy refuses every other host; nothing leaves the machine.

export type ServiceName = 'login' | 'arm' | 'blob' | 'dataplane' | 'scoring';

/** Managed online endpoints' and batch endpoints' scoring hosts: <endpoint>.<region>.inference.ml.azure.com. */
export const MANAGED_SCORING_HOST = /^([a-z0-9-]+)\.([a-z0-9]+)\.inference\.ml\.azure\.com$/;
/** Kubernetes online endpoints' inference router: <cluster>.<region>.cloudapp.azure.com (the AKS cluster's public DNS name). */
export const KUBERNETES_SCORING_HOST = /^([a-z0-9-]+)\.([a-z0-9]+)\.cloudapp\.azure\.com$/;

/** Certificate names of the scoring hosts in a region. */
export function scoringHostnames(location: string): string[] {
  return [`*.${location}.inference.ml.azure.com`, `*.${location}.cloudapp.azure.com`];
}

export function serviceOf(hostname: string, storageAccountNames: readonly string[]): ServiceName | undefined {
  const host = hostname.toLowerCase();
  if (host === 'login.microsoftonline.com') return 'login';
  if (host === 'management.azure.com') return 'arm';
  if (storageAccountNames.some((account) => host === `${account.toLowerCase()}.blob.core.windows.net`)) return 'blob';
  if (/^[a-z0-9-]+\.api\.azureml\.ms$/.test(host)) return 'dataplane';
  if (MANAGED_SCORING_HOST.test(host) || KUBERNETES_SCORING_HOST.test(host)) return 'scoring';
  return undefined;
}

/** Loopback targets (the managed identity endpoint, a local OIDC issuer) are on this machine: tunnelled as they are. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function refusalMessage(hostname: string, storageAccountNames: readonly string[]): string {
  const [storageAccountName] = storageAccountNames;
  const others = storageAccountNames.slice(1).map((a) => `'${a}'`).join(', ');
  const hint = /\.blob\.core\.windows\.net$/i.test(hostname) ? ` The emulated storage account is '${storageAccountName}'${others ? ` (the other workspaces' and registries': ${others})` : ''}.` : '';
  return (
    `The Azure ML emulator's proxy does not serve '${hostname}' and never forwards requests off this machine.` +
    ` It serves login.microsoftonline.com, management.azure.com, ${storageAccountName}.blob.core.windows.net, <region>.api.azureml.ms and the scoring hosts of online and batch endpoints (<endpoint>.<region>.inference.ml.azure.com, <cluster>.<region>.cloudapp.azure.com).${hint}` +
    ' Add hosts the emulator should not see to NO_PROXY.'
  );
}

/** Splits "host:port" (IPv6 in brackets allowed). */
export function splitHostPort(authority: string, defaultPort: number): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!match) return { hostname: authority, port: defaultPort };
  return { hostname: match[1].replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
}
