import { strict as assert } from 'node:assert';
import { FACTS, WS, createHarness, pollToEnd, type ArmHarness } from './armFixtures';

const MODEL = `${WS}/models/churn/versions/1`;
const ENDPOINT = { location: FACTS.location, properties: { authMode: 'Key' } };
const MANAGED = { location: FACTS.location, sku: { name: 'Default', capacity: 1 }, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2', model: MODEL } };

async function endpointWithDeployments(h: ArmHarness, names: string[], apiVersion = '2022-10-01') {
  await h.send('PUT', `${WS}/models/churn/versions/1`, { body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/m' } } });
  await pollToEnd(h, await h.send('PUT', `${WS}/onlineEndpoints/churn-ep`, { body: ENDPOINT, apiVersion }));
  for (const name of names) await pollToEnd(h, await h.send('PUT', `${WS}/onlineEndpoints/churn-ep/deployments/${name}`, { body: MANAGED, apiVersion }));
}

function traffic(h: ArmHarness, split: Record<string, number>, extra: Record<string, unknown> = {}, apiVersion = '2022-10-01') {
  return h.send('PUT', `${WS}/onlineEndpoints/churn-ep`, { body: { ...ENDPOINT, properties: { ...ENDPOINT.properties, traffic: split, ...extra } }, apiVersion });
}

describe('emulator ARM: online endpoints and deployments', () => {
  it('provisions an endpoint and a deployment through Creating to Succeeded', async () => {
    const h = createHarness();
    await h.send('PUT', `${WS}/models/churn/versions/1`, { body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/m' } } });
    const created = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep`, { body: ENDPOINT });
    assert.equal(created.status, 201);
    assert.equal(created.json.properties.provisioningState, 'Creating');
    assert.equal(created.json.properties.scoringUri, `https://churn-ep.${FACTS.location}.inference.ml.azure.com/score`);
    assert.ok(created.headers?.['Azure-AsyncOperation']);
    assert.equal((await pollToEnd(h, created)).status, 'Succeeded');
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep`)).json.properties.provisioningState, 'Succeeded');
    const deployment = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep/deployments/blue`, { body: MANAGED });
    assert.equal(deployment.json.properties.provisioningState, 'Creating');
    await pollToEnd(h, deployment);
    const got = (await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/blue`)).json;
    assert.deepEqual([got.properties.provisioningState, got.sku.capacity, got.type], ['Succeeded', 1, 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments']);
    const logs = await h.send('POST', `${WS}/onlineEndpoints/churn-ep/deployments/blue/getLogs`, { body: { containerType: 'InferenceServer', tail: 2 } });
    assert.equal(logs.json.content.split('\n').length, 2);
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/blue/skus`)).json.value[0].capacity.scaleType, 'Automatic');
    const scaled = await h.send('PATCH', `${WS}/onlineEndpoints/churn-ep/deployments/blue`, { body: { sku: { capacity: 3 } } });
    assert.equal(scaled.status, 202);
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/blue`)).json.properties.provisioningState, 'Updating');
    await pollToEnd(h, scaled);
    const after = (await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/blue`)).json;
    assert.deepEqual([after.sku.capacity, after.properties.provisioningState], [3, 'Succeeded']);
  });

  it('requires traffic to name existing deployments and sum to 0 or 100', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, ['blue', 'green']);
    assert.equal((await traffic(h, { blue: 90, green: 10 })).status, 200);
    const sum = await traffic(h, { blue: 90, green: 5 });
    assert.equal(sum.status, 400);
    assert.match(sum.json.error.message, /sums to 95; it must sum to 0 or 100/);
    const unknown = await traffic(h, { blue: 50, red: 50 });
    assert.match(unknown.json.error.message, /Deployment 'red' named in traffic does not exist/);
    assert.equal((await traffic(h, { blue: 0, green: 0 })).status, 200);
  });

  it('routes no traffic to a deployment still being created, as Azure ML answers "not found" until it has succeeded', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, ['blue']);
    const creating = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep/deployments/green`, { body: MANAGED });
    assert.equal(creating.json.properties.provisioningState, 'Creating');
    const early = await traffic(h, { blue: 90, green: 10 });
    assert.equal(early.status, 400);
    assert.match(early.json.error.message, /^Deployment green not found in endpoint churn-ep: it is still being created/);
    assert.equal((await traffic(h, { blue: 100, green: 0 })).status, 200, 'naming it at 0% changes nothing and is accepted');
    await pollToEnd(h, creating);
    assert.equal((await traffic(h, { blue: 90, green: 10 })).status, 200);
  });

  it('accepts mirrorTraffic from 2023-04-01 (and previews), up to 50%, never on Kubernetes endpoints', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, ['blue', 'green'], '2023-04-01');
    const old = await traffic(h, { blue: 100 }, { mirrorTraffic: { green: 60 } });
    assert.equal(old.status, 200, 'a version without mirrorTraffic ignores it');
    assert.equal('mirrorTraffic' in old.json.properties, false);
    const ok = await traffic(h, { blue: 100 }, { mirrorTraffic: { green: 10 } }, '2023-04-01');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.properties.mirrorTraffic, { green: 10 });
    const tooMuch = await traffic(h, { blue: 100 }, { mirrorTraffic: { green: 60 } }, '2023-04-01');
    assert.match(tooMuch.json.error.message, /between 0 and 50/);
    const live = await traffic(h, { blue: 50, green: 50 }, { mirrorTraffic: { green: 10 } }, '2023-04-01');
    assert.equal(live.status, 400);
    const k8s = await h.send('PUT', `${WS}/onlineEndpoints/k8s-ep`, { body: { location: FACTS.location, properties: { authMode: 'Key', compute: `${WS}/computes/k8s-compute`, mirrorTraffic: { x: 10 } } }, apiVersion: '2023-04-01' });
    assert.match(k8s.json.error.message, /not supported for Kubernetes online endpoints/);
    const preview = await traffic(h, { blue: 100 }, { mirrorTraffic: { green: 60 } }, '2022-02-01-preview');
    assert.match(preview.json.error.message, /between 0 and 50/, 'azure-ai-ml\'s endpoint version knows mirrorTraffic');
  });

  it('hides mirrorTraffic from a 2022-10-01 client, whose GET-then-PUT round trip keeps it', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, ['blue', 'green'], '2023-04-01');
    assert.equal((await traffic(h, { blue: 100 }, { mirrorTraffic: { green: 10 } }, '2023-04-01')).status, 200);
    const seen = (await h.send('GET', `${WS}/onlineEndpoints/churn-ep`)).json;
    assert.equal('mirrorTraffic' in seen.properties, false);
    assert.equal('mirrorTraffic' in (await h.send('GET', `${WS}/onlineEndpoints`)).json.value[0].properties, false);
    const roundTrip = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep`, { body: { ...seen, properties: { ...seen.properties, traffic: { blue: 90, green: 10 }, mirrorTraffic: undefined } } });
    assert.equal(roundTrip.status, 400, 'the stored mirror still applies: green cannot get live and mirrored traffic');
    const scaled = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep`, { body: { ...seen, tags: { owner: 'ops' } } });
    assert.equal(scaled.status, 200);
    assert.equal('mirrorTraffic' in scaled.json.properties, false);
    await pollToEnd(h, scaled);
    assert.deepEqual((await h.send('GET', `${WS}/onlineEndpoints/churn-ep`, { apiVersion: '2023-04-01' })).json.properties.mirrorTraffic, { green: 10 });
  });

  it('reports identities, kind and deployments\' identity like the REST examples', async () => {
    const h = createHarness();
    const managed = await h.send('PUT', `${WS}/onlineEndpoints/sys-ep`, { body: { ...ENDPOINT, identity: { type: 'SystemAssigned' } } });
    assert.equal(managed.json.kind, 'Managed');
    assert.match(managed.json.identity.principalId, /^[0-9a-f-]{36}$/);
    assert.equal(managed.json.identity.tenantId, FACTS.tenantId);
    await pollToEnd(h, managed);
    const again = await h.send('PUT', `${WS}/onlineEndpoints/sys-ep`, { body: { ...ENDPOINT, identity: { type: 'SystemAssigned' } } });
    assert.equal(again.json.identity.principalId, managed.json.identity.principalId, 'the principal survives updates');
    const k8s = await h.send('PUT', `${WS}/onlineEndpoints/k8s-ep`, { body: { location: FACTS.location, properties: { authMode: 'Key', compute: `${WS}/computes/k8s-compute` } } });
    assert.equal(k8s.json.kind, 'Kubernetes');
    await pollToEnd(h, k8s);
    await h.send('PUT', `${WS}/models/churn/versions/1`, { body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/m' } } });
    const deployment = await h.send('PUT', `${WS}/onlineEndpoints/sys-ep/deployments/blue`, { body: { ...MANAGED, identity: { type: 'SystemAssigned' } } });
    assert.equal(deployment.status, 201);
    assert.equal(deployment.json.identity.type, 'SystemAssigned');
    assert.equal(deployment.json.identity.tenantId, FACTS.tenantId);
  });

  it('checks Kubernetes deployments against the compute instance types', async () => {
    const h = createHarness();
    await pollToEnd(h, await h.send('PUT', `${WS}/onlineEndpoints/k8s-ep`, { body: { location: FACTS.location, properties: { authMode: 'AMLToken', compute: `${WS}/computes/k8s-compute` } } }));
    const body = (instanceType: string) => ({ location: FACTS.location, properties: { endpointComputeType: 'Kubernetes', instanceType } });
    const bad = await h.send('PUT', `${WS}/onlineEndpoints/k8s-ep/deployments/blue`, { body: body('huge') });
    assert.match(bad.json.error.message, /Instance type 'huge' is not defined on compute 'k8s-compute'/);
    assert.equal((await h.send('PUT', `${WS}/onlineEndpoints/k8s-ep/deployments/blue`, { body: body('gpu') })).status, 201);
    const managed = await h.send('PUT', `${WS}/onlineEndpoints/k8s-ep/deployments/green`, { body: MANAGED });
    assert.match(managed.json.error.message, /takes 'Kubernetes' deployments/);
    const token = await h.send('POST', `${WS}/onlineEndpoints/k8s-ep/token`);
    assert.equal(token.json.tokenType, 'Bearer');
    assert.equal((await h.send('POST', `${WS}/onlineEndpoints/k8s-ep/listKeys`)).status, 400);
  });

  it('lists and regenerates keys of a key-auth endpoint', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, []);
    const before = (await h.send('POST', `${WS}/onlineEndpoints/churn-ep/listKeys`)).json;
    assert.ok(before.primaryKey && before.secondaryKey);
    const regen = await h.send('POST', `${WS}/onlineEndpoints/churn-ep/regenerateKeys`, { body: { keyType: 'Primary' } });
    assert.equal(regen.status, 202);
    h.advance(1000);
    const after = (await h.send('POST', `${WS}/onlineEndpoints/churn-ep/listKeys`)).json;
    assert.notEqual(after.primaryKey, before.primaryKey);
    assert.equal(after.secondaryKey, before.secondaryKey);
  });

  it('refuses bad endpoint and deployment names', async () => {
    const h = createHarness();
    const short = await h.send('PUT', `${WS}/onlineEndpoints/ep`, { body: ENDPOINT });
    assert.match(short.json.error.message, /at least 3 and at most 32 characters long/);
    const digit = await h.send('PUT', `${WS}/onlineEndpoints/1-endpoint`, { body: ENDPOINT });
    assert.match(digit.json.error.message, /must start with an upper- or lowercase letter/);
    await pollToEnd(h, await h.send('PUT', `${WS}/onlineEndpoints/named-ep`, { body: ENDPOINT }));
    const deployment = await h.send('PUT', `${WS}/onlineEndpoints/named-ep/deployments/blue-`, { body: MANAGED });
    assert.match(deployment.json.error.message, /The name for a deployment \('blue-'\)/);
    const noAuth = await h.send('PUT', `${WS}/onlineEndpoints/good-ep`, { body: { location: FACTS.location, properties: {} } });
    assert.match(noAuth.json.error.message, /Required property 'authMode'/);
    const badAuth = await h.send('PUT', `${WS}/onlineEndpoints/good-ep`, { body: { location: FACTS.location, properties: { authMode: 'Password' } } });
    assert.equal(badAuth.json.error.message, `Invalid value "Password" at path 'properties.authMode'. Allowed values: AMLToken, Key, AADToken.`);
    const lowerCase = await h.send('PUT', `${WS}/onlineEndpoints/good-ep`, { body: { location: FACTS.location, properties: { authMode: 'key' } } });
    assert.deepEqual([lowerCase.status, lowerCase.json.properties.authMode], [201, 'Key']);
  });

  it('keeps endpoint names unique within a region', async () => {
    const h = createHarness();
    const other = `${WS}2/onlineEndpoints/churn-ep`;
    h.ctx.store.put('arm.endpoints', other.toLowerCase(), { id: other, name: 'churn-ep', type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', location: FACTS.location, properties: {} });
    const taken = await h.send('PUT', `${WS}/onlineEndpoints/Churn-EP`, { body: ENDPOINT });
    assert.equal(taken.status, 409);
    assert.match(taken.json.error.message, /already exists in region 'eastus'/);
  });

  it('refuses to delete a deployment that takes traffic, then deletes endpoint and deployments', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, ['blue']);
    await pollToEnd(h, await traffic(h, { blue: 100 }));
    const refused = await h.send('DELETE', `${WS}/onlineEndpoints/churn-ep/deployments/blue`);
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /receives 100% of endpoint 'churn-ep' traffic/);
    const deleted = await h.send('DELETE', `${WS}/onlineEndpoints/churn-ep`);
    assert.equal(deleted.status, 202);
    h.advance(1000);
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep`)).status, 404);
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/blue`)).status, 404);
  });

  it('turns a deployment Failed with ResourceNotReady under a deploymentUnhealthy fault', async () => {
    const h = createHarness();
    await endpointWithDeployments(h, ['blue']);
    h.fault('deploymentUnhealthy', 'PUT', /deployments\/green$/);
    const green = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep/deployments/green`, { body: MANAGED });
    const result = await pollToEnd(h, green);
    assert.equal(result.status, 'Failed');
    assert.equal(result.error?.code, 'ResourceNotReady');
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/green`)).json.properties.provisioningState, 'Failed');
    const logs = await h.send('POST', `${WS}/onlineEndpoints/churn-ep/deployments/green/getLogs`, { body: { containerType: 'InferenceServer' } });
    assert.match(logs.json.content, /Worker exiting/);
    h.fault('deploymentUnhealthy', 'GET', /deployments\/blue$/);
    const blue = (await h.send('GET', `${WS}/onlineEndpoints/churn-ep/deployments/blue`)).json;
    assert.equal(blue.properties.provisioningState, 'Failed', 'a running deployment turns unhealthy');
    assert.equal(blue.properties.properties['azureml.emulator.containerCrashed'], undefined);
  });

  it('ends an endpoint operation Failed under an lroFailed fault', async () => {
    const h = createHarness();
    h.fault('lroFailed', 'PUT', /onlineEndpoints\/churn-ep$/);
    const created = await h.send('PUT', `${WS}/onlineEndpoints/churn-ep`, { body: ENDPOINT });
    assert.equal((await pollToEnd(h, created)).status, 'Failed');
    assert.equal((await h.send('GET', `${WS}/onlineEndpoints/churn-ep`)).json.properties.provisioningState, 'Failed');
  });
});
