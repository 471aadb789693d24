import { strict as assert } from 'node:assert';
import { acquireNodes, releaseNodes, setFamilyLimit } from '../../emulator/src/arm';
import { FACTS, SUB, WS, createHarness, pollToEnd } from './armFixtures';

const CLUSTER = { location: FACTS.location, properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT60S' } } } };
const LOCATION = `${SUB}/providers/Microsoft.MachineLearningServices/locations/${FACTS.location}`;

describe('emulator ARM: computes', () => {
  it('seeds cpu-cluster, k8s-compute and a stopped dev-instance', async () => {
    const h = createHarness();
    const list = await h.send('GET', `${WS}/computes`);
    const byName = Object.fromEntries(list.json.value.map((c: any) => [c.name, c]));
    const cluster = byName['cpu-cluster'].properties;
    assert.equal(cluster.computeType, 'AmlCompute');
    assert.equal(cluster.provisioningState, 'Succeeded');
    assert.deepEqual(cluster.properties.scaleSettings, { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' });
    assert.equal(cluster.properties.allocationState, 'Steady');
    assert.equal(cluster.properties.currentNodeCount, 0);
    assert.equal(byName['k8s-compute'].properties.computeType, 'Kubernetes');
    assert.ok(byName['k8s-compute'].properties.properties.instanceTypes.gpu);
    const instance = byName['dev-instance'].properties.properties;
    assert.equal(instance.state, 'Stopped');
    // A Personal instance names its user, as in the ComputeInstance get example.
    assert.equal(instance.applicationSharingPolicy, 'Personal');
    assert.deepEqual(instance.personalComputeInstanceSettings.assignedUser, { objectId: 'oid-contributor', tenantId: FACTS.tenantId });
    assert.deepEqual(instance.createdBy, { userName: 'oid-contributor', userOrgId: FACTS.tenantId, userId: 'oid-contributor' });
    assert.equal(byName['cpu-cluster'].properties.isAttachedCompute, false);
    assert.equal(byName['k8s-compute'].properties.isAttachedCompute, true);
  });

  it('creates a cluster as a long-running operation: 201 Creating, Azure-AsyncOperation, then Succeeded', async () => {
    const h = createHarness();
    const created = await h.send('PUT', `${WS}/computes/gpu-cluster`, { body: { ...CLUSTER, properties: { ...CLUSTER.properties, computeType: 'amlcompute' } } });
    assert.equal(created.status, 201);
    assert.equal(created.json.properties.computeType, 'AmlCompute');
    assert.equal(created.json.properties.provisioningState, 'Creating');
    assert.equal(created.json.type, 'Microsoft.MachineLearningServices/workspaces/computes');
    assert.equal(created.headers?.['Retry-After'], '1');
    const status = await h.send('GET', new URL(created.headers!['Azure-AsyncOperation']).pathname, { apiVersion: '2022-10-01' });
    assert.equal(status.json.status, 'InProgress');
    assert.equal((await pollToEnd(h, created)).status, 'Succeeded');
    const got = await h.send('GET', `${WS}/computes/GPU-CLUSTER`);
    assert.equal(got.json.name, 'gpu-cluster');
    assert.equal(got.json.properties.provisioningState, 'Succeeded');
    assert.equal(got.json.properties.properties.nodeStateCounts.idleNodeCount, 0);
  });

  it('updates scale settings with PATCH and refuses a vmSize change', async () => {
    const h = createHarness();
    const patched = await h.send('PATCH', `${WS}/computes/cpu-cluster`, { body: { properties: { properties: { scaleSettings: { maxNodeCount: 6, minNodeCount: 1 } } } } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.properties.provisioningState, 'Updating');
    await pollToEnd(h, patched);
    const got = await h.send('GET', `${WS}/computes/cpu-cluster`);
    assert.equal(got.json.properties.properties.scaleSettings.maxNodeCount, 6);
    assert.equal(got.json.properties.properties.allocationState, 'Resizing', 'minNodeCount 1 makes the cluster grow');
    h.advance(2000);
    assert.equal((await h.send('GET', `${WS}/computes/cpu-cluster`)).json.properties.properties.currentNodeCount, 1);
    const resized = await h.send('PUT', `${WS}/computes/cpu-cluster`, { body: { ...CLUSTER, properties: { ...CLUSTER.properties, properties: { ...CLUSTER.properties.properties, vmSize: 'Standard_DS4_v2' } } } });
    assert.equal(resized.status, 400);
    assert.match(resized.json.error.message, /vmSize/);
  });

  it('deletes through Location polling, then answers 404', async () => {
    const h = createHarness();
    const refused = await h.send('DELETE', `${WS}/computes/cpu-cluster`);
    assert.equal(refused.status, 400, 'underlyingResourceAction is required');
    const deleted = await h.send('DELETE', `${WS}/computes/cpu-cluster?underlyingResourceAction=Delete`);
    assert.equal(deleted.status, 202);
    const location = new URL(deleted.headers!.Location);
    assert.equal((await h.send('GET', `${location.pathname}${location.search}`, { apiVersion: null })).status, 202);
    h.advance(1000);
    assert.equal((await h.send('GET', `${location.pathname}${location.search}`, { apiVersion: null })).status, 204);
    assert.equal((await h.send('GET', `${WS}/computes/cpu-cluster`)).status, 404);
  });

  it('starts, stops and restarts a compute instance', async () => {
    const h = createHarness();
    const started = await h.send('POST', `${WS}/computes/dev-instance/start`);
    assert.equal(started.status, 202);
    assert.equal((await h.send('GET', `${WS}/computes/dev-instance`)).json.properties.properties.state, 'Starting');
    await pollToEnd(h, started);
    assert.equal((await h.send('GET', `${WS}/computes/dev-instance`)).json.properties.properties.state, 'Running');
    await h.send('POST', `${WS}/computes/dev-instance/restart`);
    assert.equal((await h.send('GET', `${WS}/computes/dev-instance`)).json.properties.properties.state, 'Restarting');
    h.advance(1000);
    assert.equal((await h.send('GET', `${WS}/computes/dev-instance`)).json.properties.properties.state, 'Running');
    await pollToEnd(h, await h.send('POST', `${WS}/computes/dev-instance/stop`));
    assert.equal((await h.send('GET', `${WS}/computes/dev-instance`)).json.properties.properties.state, 'Stopped');
    const notInstance = await h.send('POST', `${WS}/computes/cpu-cluster/start`);
    assert.equal(notInstance.status, 400);
  });

  it('validates bodies against the REST model and the naming rules', async () => {
    const h = createHarness();
    const noProperties = await h.send('PUT', `${WS}/computes/c1`, { body: { location: FACTS.location } });
    assert.equal(noProperties.json.error.message, "Required property 'properties' not found in JSON. Path ''.");
    const missing = await h.send('PUT', `${WS}/computes/c1`, { body: { properties: {} } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.message, "Required property 'computeType' not found in JSON. Path 'properties'.");
    const discriminator = await h.send('PUT', `${WS}/computes/c1`, { body: { properties: { computeType: 'Quantum' } } });
    assert.match(discriminator.json.error.message, /Unknown value 'Quantum' for 'properties.computeType'. Allowed values: .*AmlCompute/);
    const wrongType = await h.send('PUT', `${WS}/computes/c1`, { body: { properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 'four' } } } } });
    assert.equal(wrongType.json.error.target, 'properties.properties.scaleSettings.maxNodeCount');
    const badName = await h.send('PUT', `${WS}/computes/1-bad`, { body: CLUSTER });
    assert.match(badName.json.error.message, /must start with a letter.*between 2 and 16 characters/);
    const longName = await h.send('PUT', `${WS}/computes/a-very-long-cluster-name`, { body: CLUSTER });
    assert.equal(longName.status, 400);
    const instanceName = await h.send('PUT', `${WS}/computes/a-very-long-instance-nm`, { body: { properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2' } } } });
    assert.equal(instanceName.status, 201, 'compute instances allow up to 24 characters');
    const instanceHyphen = await h.send('PUT', `${WS}/computes/dev-2`, { body: { properties: { computeType: 'ComputeInstance' } } });
    assert.match(instanceHyphen.json.error.message, /'-' must be followed by a letter/);
    const badSize = await h.send('PUT', `${WS}/computes/c2`, { body: { properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_Z99', scaleSettings: { maxNodeCount: 1 } } } } });
    assert.match(badSize.json.error.message, /VM size 'Standard_Z99' is not available/);
  });

  it('scales a cluster up for jobs and down after the idle timeout', async () => {
    const h = createHarness();
    const id = `${WS}/computes/cpu-cluster`;
    assert.equal(acquireNodes(h.ctx, id, 'run-1', 2).state, 'Preparing');
    let props = (await h.send('GET', id)).json.properties.properties;
    assert.equal(props.allocationState, 'Resizing');
    assert.equal(props.nodeStateCounts.preparingNodeCount, 2);
    h.advance(1000);
    assert.equal(acquireNodes(h.ctx, id, 'run-1', 2).state, 'Ready');
    props = (await h.send('GET', id)).json.properties.properties;
    assert.deepEqual([props.allocationState, props.currentNodeCount, props.nodeStateCounts.runningNodeCount], ['Steady', 2, 2]);
    const nodes = await h.send('POST', `${id}/listNodes`);
    assert.deepEqual(nodes.json.nodes.map((n: any) => [n.nodeState, n.runId]), [['running', 'run-1'], ['running', 'run-1']]);
    const usage = (await h.send('GET', `${LOCATION}/usages`)).json.value.find((u: any) => u.name.value === 'standardDSv2Family');
    assert.equal(usage.currentValue, 8);
    releaseNodes(h.ctx, id, 'run-1');
    assert.equal((await h.send('GET', id)).json.properties.properties.nodeStateCounts.idleNodeCount, 2);
    h.advance(119_000);
    assert.equal((await h.send('GET', id)).json.properties.properties.currentNodeCount, 2);
    h.advance(1000);
    assert.equal((await h.send('GET', id)).json.properties.properties.currentNodeCount, 0);
  });

  it('keeps a run waiting when the cluster or the family quota is too small', async () => {
    const h = createHarness();
    const id = `${WS}/computes/cpu-cluster`;
    assert.equal(acquireNodes(h.ctx, id, 'big', 5).state, 'Waiting');
    setFamilyLimit(h.ctx, FACTS.location, 'standardDSv2Family', 4);
    const waiting = acquireNodes(h.ctx, id, 'run', 2);
    assert.equal(waiting.state, 'Waiting');
    const errors = (await h.send('GET', id)).json.properties.properties.errors;
    assert.equal(errors[0].code, 'ClusterCoreQuotaReached');
  });

  it('reports usages, workspace quotas and VM sizes for the region', async () => {
    const h = createHarness();
    const usages = (await h.send('GET', `${LOCATION}/usages`)).json.value;
    const ds = usages.find((u: any) => u.name.value === 'standardDSv2Family');
    assert.deepEqual([ds.limit, ds.currentValue, ds.unit, ds.name.localizedValue], [24, 0, 'Count', 'Standard DSv2 Family Cluster Dedicated vCPUs']);
    assert.ok(usages.every((u: any) => u.amlWorkspaceLocation === FACTS.location && !('aml_workspace_location' in u)), 'the REST name is amlWorkspaceLocation');
    assert.equal(usages.find((u: any) => u.name.value === 'standardNCFamily').limit, 0);
    const quotas = (await h.send('GET', `${LOCATION}/quotas`)).json.value;
    assert.equal(quotas.find((q: any) => q.name.value === 'standardDSv2Family').limit, 24);
    const sizes = (await h.send('GET', `${LOCATION}/vmSizes`)).json.value;
    const ds3 = sizes.find((s: any) => s.name === 'Standard_DS3_v2');
    assert.deepEqual([ds3.family, ds3.vCPUs, ds3.memoryGB], ['standardDSv2Family', 4, 14]);
  });

  it('ends the operation Failed under an lroFailed fault, with provisioning errors on the compute', async () => {
    const h = createHarness();
    h.fault('lroFailed', 'PUT', /computes\/broken$/);
    const created = await h.send('PUT', `${WS}/computes/broken`, { body: CLUSTER });
    const result = await pollToEnd(h, created);
    assert.equal(result.status, 'Failed');
    assert.ok(result.error?.code);
    const got = (await h.send('GET', `${WS}/computes/broken`)).json.properties;
    assert.equal(got.provisioningState, 'Failed');
    assert.equal(got.provisioningErrors[0].error.code, result.error?.code);
  });

  it('reports allocationState Resizing while a computeStuckResizing fault lasts', async () => {
    const h = createHarness();
    h.fault('computeStuckResizing', 'GET', /computes\/cpu-cluster$/, 2);
    for (let i = 0; i < 2; i++) assert.equal((await h.send('GET', `${WS}/computes/cpu-cluster`)).json.properties.properties.allocationState, 'Resizing');
    assert.equal((await h.send('GET', `${WS}/computes/cpu-cluster`)).json.properties.properties.allocationState, 'Steady');
    assert.equal(h.faultsLeft(), 0);
  });

  it('holds a cluster Resizing from a PATCH that sets off a computeStuckResizing fault, and gives jobs no new nodes', async () => {
    const h = createHarness();
    const id = `${WS}/computes/cpu-cluster`;
    h.fault('computeStuckResizing', 'PATCH', /computes\/cpu-cluster$/, 2);
    assert.equal((await h.send('GET', id)).json.properties.properties.allocationState, 'Steady', 'not set off before the PATCH');
    await pollToEnd(h, await h.send('PATCH', id, { body: { properties: { properties: { scaleSettings: { maxNodeCount: 4 } } } } }));
    const waiting = acquireNodes(h.ctx, id, 'run-1', 1);
    assert.equal(waiting.state, 'Waiting');
    assert.match(waiting.state === 'Waiting' ? waiting.reason : '', /stuck resizing/);
    for (let i = 0; i < 2; i++) assert.equal((await h.send('GET', id)).json.properties.properties.allocationState, 'Resizing');
    assert.equal((await h.send('GET', id)).json.properties.properties.allocationState, 'Steady');
    assert.equal(acquireNodes(h.ctx, id, 'run-1', 1).state, 'Preparing');
  });

  it('gives a system-assigned compute identity its principal, like the REST examples', async () => {
    const h = createHarness();
    const created = await h.send('PUT', `${WS}/computes/id-cluster`, { body: { ...CLUSTER, identity: { type: 'SystemAssigned' } } });
    assert.match(created.json.identity.principalId, /^[0-9a-f-]{36}$/);
    assert.equal(created.json.identity.tenantId, FACTS.tenantId);
  });
});
