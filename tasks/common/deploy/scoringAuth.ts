// The Authorization header for an endpoint's scoring URI, by its auth mode: a key (listKeys), an Azure ML
// token (getToken), or a Microsoft Entra token for Azure ML. Each secret is masked the moment it is read.
import type { TokenCredential } from "@azure/core-auth";
import { UserError } from "../platform/userError";
import type { OnlineEndpointsApi } from "../workspace/onlineEndpoints";

export const AZURE_ML_SCOPE = "https://ml.azure.com/.default";

export async function scoringAuthorization(api: OnlineEndpointsApi, endpoint: string, authMode: string | undefined, credential: TokenCredential, mask: (secret: string) => void): Promise<string> {
  switch ((authMode ?? "Key").toLowerCase()) {
    case "key": {
      const keys = await api.listKeys(endpoint);
      for (const key of [keys.primaryKey, keys.secondaryKey]) if (key) mask(key);
      if (!keys.primaryKey) throw new UserError(`Endpoint '${endpoint}' returned no key from listKeys.`);
      return `Bearer ${keys.primaryKey}`;
    }
    case "amltoken": {
      const token = await api.getToken(endpoint);
      if (token.accessToken) mask(token.accessToken);
      if (!token.accessToken) throw new UserError(`Endpoint '${endpoint}' returned no token from getToken.`);
      return `Bearer ${token.accessToken}`;
    }
    case "aadtoken": {
      const token = await credential.getToken(AZURE_ML_SCOPE);
      if (!token?.token) throw new UserError(`No Microsoft Entra token for Azure ML (${AZURE_ML_SCOPE}) could be obtained for endpoint '${endpoint}'.`);
      mask(token.token);
      return `Bearer ${token.token}`;
    }
    default:
      throw new UserError(`Endpoint '${endpoint}' uses auth mode '${authMode}', which the task cannot score with.`);
  }
}
