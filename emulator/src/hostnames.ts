// Which hostnames the emulator serves. The proxy refuses every other host; nothing leaves the machine.

export type ServiceName = 'login' | 'arm' | 'blob' | 'dataplane';

export function serviceOf(hostname: string, storageAccountName: string): ServiceName | undefined {
  const host = hostname.toLowerCase();
  if (host === 'login.microsoftonline.com') return 'login';
  if (host === 'management.azure.com') return 'arm';
  if (host === `${storageAccountName}.blob.core.windows.net`) return 'blob';
  if (/^[a-z0-9-]+\.api\.azureml\.ms$/.test(host)) return 'dataplane';
  return undefined;
}

/** Loopback targets (the managed identity endpoint, a local OIDC issuer) are on this machine: tunnelled as they are. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function refusalMessage(hostname: string, storageAccountName: string): string {
  const hint = /\.blob\.core\.windows\.net$/i.test(hostname) ? ` The emulated storage account is '${storageAccountName}'.` : '';
  return (
    `The Azure ML emulator's proxy does not serve '${hostname}' and never forwards requests off this machine.` +
    ` It serves login.microsoftonline.com, management.azure.com, ${storageAccountName}.blob.core.windows.net and <region>.api.azureml.ms.${hint}` +
    ' Add hosts the emulator should not see to NO_PROXY.'
  );
}

/** Splits "host:port" (IPv6 in brackets allowed). */
export function splitHostPort(authority: string, defaultPort: number): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!match) return { hostname: authority, port: defaultPort };
  return { hostname: match[1].replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
}
