// Workspace datastores. Credentials are write-only: responses carry only their type, and the
// secrets come back through listSecrets (the Azurite account key for the seeded blob stores).
import type { HostResponse, ServiceContext } from '../contract';
import { userError } from './errors';
import { checkDatastoreName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, jsonResponse, listChildren, listResponse, putResource, systemDataFor, WS, workspaceOf, SERVICE_PRINCIPAL } from './resources';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

const DATASTORE = `${WS}/datastores/{name}`;
const SECRETS = 'arm.datastoreSecrets';

/** Splits credentials into what responses show and the secrets listSecrets returns. */
function storeDatastore(ctx: ServiceContext, datastore: ArmResource, credentials: Properties | undefined): ArmResource {
  const { secrets, ...visible } = credentials ?? { credentialsType: 'None' };
  const stored = { ...datastore, properties: { ...datastore.properties, credentials: visible } };
  putResource(ctx, 'datastores', stored);
  if (secrets) ctx.store.put(SECRETS, stored.id.toLowerCase(), secrets);
  else ctx.store.delete(SECRETS, stored.id.toLowerCase());
  return stored;
}

export function buildDatastore(ctx: ServiceContext, workspace: ArmResource, name: string, properties: Properties, previous?: ArmResource): ArmResource {
  const { credentials: _credentials, ...rest } = properties;
  const defaults: Properties = properties.datastoreType === 'AzureBlob' || properties.datastoreType === 'AzureFile' ? { endpoint: 'core.windows.net', protocol: 'https' } : {};
  return {
    id: previous?.id ?? `${workspace.id}/datastores/${name}`,
    name: previous?.name ?? name,
    type: `${ML_NAMESPACE}/workspaces/datastores`,
    properties: { description: null, tags: {}, properties: {}, ...defaults, ...rest, isDefault: previous?.properties.isDefault ?? false, serviceDataAccessAuthIdentity: rest.serviceDataAccessAuthIdentity ?? 'None' },
    systemData: systemDataFor(ctx, SERVICE_PRINCIPAL, previous?.systemData),
  };
}

function createOrUpdate(call: ArmCall): HostResponse {
  const body = jsonBody(call) as Properties;
  validateBody(body, 'Datastore');
  checkDatastoreName(call.params.name);
  const workspace = workspaceOf(call);
  const previous = getResource(call.ctx, 'datastores', `${workspace.id}/datastores/${call.params.name}`);
  const datastore = buildDatastore(call.ctx, workspace, call.params.name, body.properties, previous);
  datastore.systemData = systemDataFor(call.ctx, call.principal, previous?.systemData);
  return jsonResponse(storeDatastore(call.ctx, datastore, body.properties.credentials), previous ? 200 : 201);
}

function remove(call: ArmCall): HostResponse {
  const id = `${workspaceOf(call).id}/datastores/${call.params.name}`;
  const datastore = getResource(call.ctx, 'datastores', id);
  if (!datastore) return { status: 204 };
  if (datastore.properties.isDefault) throw userError(`Datastore '${datastore.name}' is the workspace's default datastore and cannot be deleted.`);
  deleteResource(call.ctx, 'datastores', id);
  call.ctx.store.delete(SECRETS, id.toLowerCase());
  return { status: 200 };
}

function listSecrets(call: ArmCall): HostResponse {
  const datastore = findResource(call.ctx, 'datastores', `${workspaceOf(call).id}/datastores/${call.params.name}`);
  const secrets = call.ctx.store.get<Properties>(SECRETS, datastore.id.toLowerCase());
  if (!secrets) throw userError(`Datastore '${datastore.name}' uses credentials of type '${datastore.properties.credentials?.credentialsType ?? 'None'}', which have no secrets.`);
  return jsonResponse(secrets);
}

/** List, with the service's filters: isDefault (how clients find the default datastore) and names. */
function list(call: ArmCall): HostResponse {
  const params = call.req.url.searchParams;
  const isDefault = params.get('isDefault');
  const names = params.getAll('names').flatMap((n) => n.split(',')).map((n) => n.toLowerCase());
  const datastores = listChildren(call.ctx, 'datastores', workspaceOf(call).id, 'datastores').filter(
    (d) => (isDefault === null || String(d.properties.isDefault) === isDefault.toLowerCase()) && (names.length === 0 || names.includes(d.name.toLowerCase())),
  );
  return listResponse(datastores);
}

export const datastoreRoutes: Route[] = [
  { method: 'GET', pattern: `${WS}/datastores`, provider: 'ml', resourceType: 'workspaces/datastores', handle: list },
  { method: 'GET', pattern: DATASTORE, provider: 'ml', resourceType: 'workspaces/datastores', handle: (call) => jsonResponse(findResource(call.ctx, 'datastores', `${workspaceOf(call).id}/datastores/${call.params.name}`)) },
  { method: 'PUT', pattern: DATASTORE, provider: 'ml', resourceType: 'workspaces/datastores', handle: createOrUpdate },
  { method: 'DELETE', pattern: DATASTORE, provider: 'ml', resourceType: 'workspaces/datastores', handle: remove },
  { method: 'POST', pattern: `${DATASTORE}/listSecrets`, provider: 'ml', resourceType: 'workspaces/datastores', handle: listSecrets },
];

/** The workspace's blob datastores on its storage account (Azurite). */
export function seedDatastores(ctx: ServiceContext, workspace: ArmResource, account: { name: string; key: string }): void {
  const blob = (name: string, containerName: string, isDefault: boolean) => {
    const datastore = buildDatastore(ctx, workspace, name, {
      datastoreType: 'AzureBlob',
      accountName: account.name,
      containerName,
      endpoint: 'core.windows.net',
      protocol: 'https',
      description: null,
    });
    datastore.properties.isDefault = isDefault;
    storeDatastore(ctx, datastore, { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key: account.key } });
  };
  const workspaceGuid: string = workspace.properties.workspaceId;
  blob('workspaceblobstore', `azureml-blobstore-${workspaceGuid}`, true);
  blob('workspaceartifactstore', 'azureml', false);
}
