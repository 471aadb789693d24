import { strict as assert } from 'node:assert';
import { CONTRIBUTOR, DATA_SCIENTIST, FACTS, READER, RG, SUB, WS, bearer, createHarness } from './armFixtures';

describe('emulator ARM: authentication, authorization, api-version and routing', () => {
  it('answers 401 with WWW-Authenticate when the token is missing, expired or for another audience', async () => {
    const h = createHarness();
    const missing = await h.send('GET', WS, { principal: null });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, 'AuthenticationFailed');
    assert.match(missing.headers?.['WWW-Authenticate'] ?? '', /^Bearer authorization_uri=/);
    const expired = await h.send('GET', WS, { authorization: bearer(CONTRIBUTOR, { expired: true }) });
    assert.equal(expired.json.error.code, 'ExpiredAuthenticationToken');
    const audience = await h.send('GET', WS, { authorization: bearer(CONTRIBUTOR, { aud: 'https://storage.azure.com' }) });
    assert.equal(audience.status, 401);
    assert.equal(audience.json.error.code, 'InvalidAuthenticationTokenAudience');
    const legacyAudience = await h.send('GET', WS, { authorization: bearer(CONTRIBUTOR, { aud: 'https://management.core.windows.net/' }) });
    assert.equal(legacyAudience.status, 200);
  });

  it('lets a Reader read but refuses its writes with ARM 403 AuthorizationFailed', async () => {
    const h = createHarness();
    assert.equal((await h.send('GET', `${WS}/computes`, { principal: READER })).status, 200);
    const write = await h.send('PUT', `${WS}/computes/new-cluster`, { principal: READER, body: { properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 1 } } } } });
    assert.equal(write.status, 403);
    assert.equal(
      write.json.error.message,
      `The client '${READER.appId}' with object id '${READER.objectId}' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/computes/write' over scope '${WS}/computes/new-cluster' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
    const secrets = await h.send('POST', `${WS}/datastores/workspaceblobstore/listSecrets`, { principal: READER });
    assert.equal(secrets.status, 403);
    assert.match(secrets.json.error.message, /datastores\/listSecrets\/action/);
  });

  it('lets an AzureML Data Scientist submit jobs but not create computes', async () => {
    const h = createHarness();
    const job = await h.send('PUT', `${WS}/jobs/ds-job`, { principal: DATA_SCIENTIST, body: { properties: { jobType: 'Command', command: 'echo hi', environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1' } } });
    assert.equal(job.status, 201);
    const compute = await h.send('PUT', `${WS}/computes/ds-cluster`, { principal: DATA_SCIENTIST, body: { properties: { computeType: 'AmlCompute' } } });
    assert.equal(compute.status, 403);
    const cancel = await h.send('POST', `${WS}/jobs/ds-job/cancel`, { principal: DATA_SCIENTIST });
    const status = new URL(cancel.headers!['Azure-AsyncOperation']);
    assert.equal((await h.send('GET', `${status.pathname}${status.search}`, { principal: DATA_SCIENTIST, apiVersion: null })).status, 200, 'the caller may poll its operation');
  });

  it('filters workspace lists by the caller access instead of refusing them', async () => {
    const h = createHarness();
    const list = await h.send('GET', `${SUB}/providers/Microsoft.MachineLearningServices/workspaces`, { principal: READER });
    assert.deepEqual(list.json.value.map((w: { name: string }) => w.name), [FACTS.workspaceName]);
    const stranger = { ...READER, objectId: 'oid-nobody' };
    assert.deepEqual((await h.send('GET', `${SUB}/providers/Microsoft.MachineLearningServices/workspaces`, { principal: stranger })).json.value, []);
    assert.equal((await h.send('GET', WS, { principal: stranger })).status, 403);
  });

  it('refuses a missing or unknown api-version like ARM', async () => {
    const h = createHarness();
    const missing = await h.send('GET', WS, { apiVersion: null });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, 'MissingApiVersionParameter');
    const unknown = await h.send('GET', WS, { apiVersion: '2099-01-01' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'NoRegisteredProviderFound');
    assert.match(unknown.json.error.message, /The supported api-versions are '2018-03-01-preview, .*2022-10-01, .*2024-10-01-preview'/);
    const subscription = await h.send('GET', SUB, { apiVersion: '2022-10-01' });
    assert.equal(subscription.json.error.code, 'InvalidApiVersionParameter');
    assert.equal((await h.send('GET', WS, { apiVersion: '2023-04-01' })).status, 200);
  });

  it('accepts the api-versions azure-ai-ml and az ml send, for every implemented resource type', async () => {
    const h = createHarness();
    const sent: Array<[string, string]> = [
      // azure-ai-ml 1.4.0 (Debian's python3-azure): workspaces, computes and jobs.
      ['2022-10-01-preview', WS],
      ['2022-10-01-preview', `${WS}/computes/cpu-cluster`],
      ['2022-10-01-preview', `${WS}/jobs`],
      // az resource show: the newest stable version the provider registration lists.
      ['2024-10-01', WS],
      ['2024-07-01-preview', WS],
      ['2023-08-01-preview', `${WS}/computes/cpu-cluster`],
      ['2024-07-01-preview', `${WS}/datastores/workspaceblobstore`],
      ['2024-01-01-preview', `${WS}/components`],
      ['2023-08-01-preview', `${WS}/models`],
      ['2023-04-01', `${WS}/codes`],
      ['2023-04-01-preview', `${WS}/environments`],
      ['2023-04-01-preview', `${WS}/data`],
      ['2023-04-01-preview', `${WS}/jobs`],
      ['2022-02-01-preview', `${WS}/onlineEndpoints`],
      ['2024-04-01-preview', `${SUB}/providers/Microsoft.MachineLearningServices/locations/${FACTS.location}/usages`],
      ['2024-04-01-preview', `${SUB}/providers/Microsoft.MachineLearningServices/locations/${FACTS.location}/vmSizes`],
    ];
    for (const [apiVersion, path] of sent) assert.equal((await h.send('GET', path, { apiVersion })).status, 200, `GET ${path}?api-version=${apiVersion}`);
    const secrets = await h.send('POST', `${WS}/datastores/workspaceblobstore/listSecrets`, { apiVersion: '2024-01-01-preview' });
    assert.equal(secrets.json.secretsType, 'AccountKey');
    assert.equal((await h.send('GET', WS, { apiVersion: '2025-01-01-preview' })).json.error.code, 'NoRegisteredProviderFound');
  });

  it('serves subscriptions, resource groups and workspaces, with 404s worded like ARM', async () => {
    const h = createHarness();
    const subs = await h.send('GET', '/subscriptions', { apiVersion: '2022-12-01' });
    assert.equal(subs.json.value[0].subscriptionId, FACTS.subscriptionId);
    assert.equal((await h.send('GET', RG, { apiVersion: '2021-04-01' })).json.name, FACTS.resourceGroupName);
    const head = await h.send('HEAD', RG, { apiVersion: '2021-04-01' });
    assert.deepEqual([head.status, head.body], [204, undefined]);
    assert.equal((await h.send('HEAD', `${SUB}/resourceGroups/absent`, { apiVersion: '2021-04-01' })).status, 404);
    const otherSub = await h.send('GET', '/subscriptions/99999999-0000-0000-0000-000000000000', { apiVersion: '2022-12-01' });
    assert.equal(otherSub.json.error.code, 'SubscriptionNotFound');
    const otherRg = await h.send('GET', `${SUB}/resourceGroups/nope/providers/Microsoft.MachineLearningServices/workspaces/x`);
    assert.equal(otherRg.status, 404);
    assert.equal(otherRg.json.error.code, 'ResourceGroupNotFound');
    const otherWs = await h.send('GET', `${RG}/providers/Microsoft.MachineLearningServices/workspaces/x`);
    assert.equal(otherWs.json.error.message, `The Resource 'Microsoft.MachineLearningServices/workspaces/x' under resource group '${FACTS.resourceGroupName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    const list = await h.send('GET', `${SUB}/providers/Microsoft.MachineLearningServices/workspaces`);
    assert.deepEqual(list.json.value.map((w: { name: string }) => w.name), [FACTS.workspaceName]);
  });

  it('matches path segments case-insensitively and answers with the stored casing', async () => {
    const h = createHarness();
    const ws = await h.send('GET', WS.toUpperCase().replace(`/SUBSCRIPTIONS/${FACTS.subscriptionId.toUpperCase()}`, `/subscriptions/${FACTS.subscriptionId}`));
    assert.equal(ws.status, 200);
    assert.equal(ws.json.id, WS);
    assert.equal(ws.json.properties.discoveryUrl, `https://${FACTS.location}.api.azureml.ms/discovery`);
    assert.match(ws.json.properties.workspaceId, /^[0-9a-f-]{36}$/);
  });

  it('carries the dispatcher\'s x-ms-request-id on every response, errors included, leaving the correlation id to the dispatcher', async () => {
    const h = createHarness();
    const ok = await h.send('GET', WS, { headers: { 'x-ms-correlation-request-id': 'corr-1' } });
    assert.equal(ok.headers?.['x-ms-request-id'], 'req-1');
    assert.equal(ok.headers?.['x-ms-correlation-request-id'], undefined);
    const failed = await h.send('GET', WS, { principal: null });
    assert.ok(failed.headers?.['x-ms-request-id']);
  });

  it('serves the cloud metadata document without a token', async () => {
    const h = createHarness();
    const legacy = await h.send('GET', '/metadata/endpoints', { principal: null, apiVersion: '2015-01-01' });
    assert.equal(legacy.json.authentication.loginEndpoint, 'https://login.microsoftonline.com/');
    const clouds = await h.send('GET', '/metadata/endpoints', { principal: null, apiVersion: '2022-09-01' });
    assert.equal(clouds.json[0].resourceManager, 'https://management.azure.com/');
  });

  it('rejects unknown resource types and malformed JSON', async () => {
    const h = createHarness();
    const unknownType = await h.send('GET', `${WS}/notebooks/x`);
    assert.equal(unknownType.status, 404);
    assert.equal(unknownType.json.error.code, 'InvalidResourceType');
    const malformed = await h.send('PUT', `${WS}/computes/c1`, { rawBody: '{"properties": ' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.code, 'InvalidRequestContent');
    const empty = await h.send('PUT', `${WS}/computes/c1`);
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /must be a JSON object/);
  });
  it('serves the provider registrations clients read before generic calls (az resource show), listing what is implemented', async () => {
    const h = createHarness();
    const ml = await h.send('GET', `${SUB}/providers/Microsoft.MachineLearningServices`, { apiVersion: '2022-09-01', principal: READER });
    assert.equal(ml.status, 200);
    assert.equal(ml.json.id, `${SUB}/providers/Microsoft.MachineLearningServices`);
    assert.equal(ml.json.registrationState, 'Registered');
    const workspaces = ml.json.resourceTypes.find((t: { resourceType: string }) => t.resourceType === 'workspaces');
    assert.deepEqual(workspaces.locations, ['East US']);
    assert.equal(workspaces.apiVersions[0], '2024-10-01-preview', 'newest first');
    assert.ok(workspaces.apiVersions.includes('2022-10-01-preview') && workspaces.apiVersions.includes('2018-11-19'));
    assert.equal(workspaces.defaultApiVersion, '2024-10-01');
    const types = ml.json.resourceTypes.map((t: { resourceType: string }) => t.resourceType);
    for (const type of ['workspaces/computes', 'workspaces/jobs', 'workspaces/models/versions', 'workspaces/onlineEndpoints', 'locations/usages']) assert.ok(types.includes(type), type);
    const all = await h.send('GET', `${SUB}/providers`, { apiVersion: '2022-09-01' });
    assert.deepEqual(all.json.value.map((p: { namespace: string }) => p.namespace), ['Microsoft.MachineLearningServices', 'Microsoft.Resources']);
    const resources = all.json.value[1].resourceTypes.map((t: { resourceType: string }) => t.resourceType);
    assert.ok(resources.includes('resourceGroups') && resources.includes('subscriptions'));
    const caseInsensitive = await h.send('GET', `${SUB}/providers/microsoft.machinelearningservices`, { apiVersion: '2022-09-01' });
    assert.equal(caseInsensitive.json.namespace, 'Microsoft.MachineLearningServices');
    const tenant = await h.send('GET', '/providers/Microsoft.MachineLearningServices', { apiVersion: '2022-09-01' });
    assert.equal(tenant.json.id, '/providers/Microsoft.MachineLearningServices');
    assert.equal(tenant.json.registrationState, undefined, 'the tenant view has no registration state');
    const unknown = await h.send('GET', `${SUB}/providers/Microsoft.Nothing`, { apiVersion: '2022-09-01' });
    assert.deepEqual([unknown.status, unknown.json.error.code], [404, 'InvalidResourceNamespace']);
    assert.equal((await h.send('GET', `${SUB}/providers/Microsoft.MachineLearningServices`, { apiVersion: '2022-10-01' })).json.error.code, 'InvalidApiVersionParameter');
  });
});
