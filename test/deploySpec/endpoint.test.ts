// Online endpoint YAML → OnlineEndpoint body (OnlineEndpoint._to_rest_online_endpoint), each field and rule.
import * as assert from 'node:assert/strict';
import { ENDPOINT_MUTABLE_FIELDS, finalizeEndpoint, mergeEndpointUpdate } from '../../tasks/common/deploySpec';
import { WS, endpoint, failure } from './helpers';

const MANAGED = '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: my-endpoint\n';
const K8S = '$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json\nname: my-endpoint\ncompute: azureml:k8s-compute\n';

describe('deploySpec: online endpoints', () => {
  it('sends az ml defaults for a minimal managed endpoint: key auth, system-assigned identity, empty maps', () => {
    const t = endpoint(MANAGED);
    assert.equal(t.kind, 'managed');
    assert.equal(t.name, 'my-endpoint');
    assert.deepEqual(finalizeEndpoint(t, 'westeurope'), {
      location: 'westeurope',
      identity: { type: 'SystemAssigned' },
      tags: {},
      properties: { authMode: 'Key', properties: {}, traffic: {}, mirrorTraffic: {} },
    });
  });

  it('translates every managed field', () => {
    const t = endpoint(`${MANAGED}description: churn scoring
auth_mode: AML_Token
tags: {team: ml, cost: 42}
properties: {owner: me}
public_network_access: Disabled
traffic: {blue: 90, green: 10, old: 0}
mirror_traffic: {shadow: 20}
identity:
  type: user_assigned
  user_assigned_identities:
    - resource_id: /subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1
`);
    assert.deepEqual(t.body, {
      identity: { type: 'UserAssigned', userAssignedIdentities: { '/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1': {} } },
      tags: { team: 'ml', cost: '42' },
      properties: {
        description: 'churn scoring',
        authMode: 'AMLToken',
        properties: { owner: 'me' },
        // _strip_zeroes_from_traffic drops the 0% entry
        traffic: { blue: 90, green: 10 },
        mirrorTraffic: { shadow: 20 },
        publicNetworkAccess: 'disabled',
      },
    });
  });

  it('lowercases the endpoint name as azure-ai-ml does', () => {
    assert.equal(endpoint(MANAGED.replace('my-endpoint', 'My-Endpoint')).name, 'my-endpoint');
  });

  it('makes a Kubernetes endpoint of a file with compute, with the compute ARM id', () => {
    const t = endpoint(`${K8S}auth_mode: aml_token\n`);
    assert.equal(t.kind, 'kubernetes');
    assert.equal(t.body.properties.compute, `${WS}/computes/k8s-compute`);
    assert.equal(t.body.properties.authMode, 'AMLToken');
  });

  it('allows aad_token on managed endpoints only', () => {
    assert.equal(endpoint(`${MANAGED}auth_mode: aad_token\n`).body.properties.authMode, 'AADToken');
    assert.equal(
      failure('endpoint', `${K8S}auth_mode: aad_token\n`),
      'endpoint.yml:4:12: auth_mode \'aad_token\' is not available for kubernetes online endpoints; allowed: key, aml_token',
    );
  });

  it('identity none, and at most one user-assigned identity', () => {
    assert.deepEqual(endpoint(`${MANAGED}identity: {type: none}\n`).body.identity, { type: 'None' });
    assert.match(failure('endpoint', `${MANAGED}identity:\n  type: user_assigned\n  user_assigned_identities: [{resource_id: /a}, {resource_id: /b}]\n`), /^endpoint\.yml:5:29: only 1 user-assigned identity is currently supported, 2 found$/);
    assert.match(failure('endpoint', `${MANAGED}identity:\n  type: system_assigned\n  user_assigned_identities: [{resource_id: /a}]\n`), /user_assigned_identities needs identity type user_assigned, not system_assigned/);
    assert.match(failure('endpoint', `${MANAGED}identity:\n  type: user_assigned\n  user_assigned_identities: [{client_id: c}]\n`), /a user-assigned identity needs resource_id/);
    assert.match(failure('endpoint', `${MANAGED}identity: {type: 'system_assigned,user_assigned'}\n`), /invalid identity type 'system_assigned,user_assigned'; allowed: system_assigned, user_assigned, none/);
  });

  it('refuses with positions: unknown fields, bad names, traffic rules, kind contradictions', () => {
    assert.match(failure('endpoint', `${MANAGED}trafic: {blue: 100}\n`), /^endpoint\.yml:3:1: unknown field 'trafic' in managed online endpoint \(did you mean 'traffic'\?\); allowed: \$schema, name, /);
    assert.match(failure('endpoint', `${MANAGED}kind: Managed\n`), /^endpoint\.yml:3:1: unknown field 'kind' in managed online endpoint/);
    assert.match(failure('endpoint', `${MANAGED}compute: azureml:k\n`), /^endpoint\.yml:3:10: compute makes this a Kubernetes online endpoint, but \$schema says managedOnlineEndpoint/);
    assert.match(failure('endpoint', `$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json\nname: ep1\n`), /^endpoint\.yml:1:10: a Kubernetes online endpoint needs compute/);
    assert.match(failure('endpoint', 'name: 1endpoint\n'), /^endpoint\.yml:1:7: endpoint name '1endpoint' is invalid: the name for an endpoint must start with a letter/);
    assert.match(failure('endpoint', 'name: ab\n'), /^endpoint\.yml:1:7: endpoint name 'ab' is invalid: .*at least 3 and at most 32/);
    assert.match(failure('endpoint', 'auth_mode: key\n'), /^endpoint\.yml:1:1: missing required field 'name' in managed online endpoint/);
    assert.equal(failure('endpoint', `${MANAGED}traffic: {blue: 60, green: 50}\n`), 'endpoint.yml:3:10: traffic percentages must sum to at most 100, not 110');
    assert.equal(failure('endpoint', `${MANAGED}traffic: {blue: many}\n`), "endpoint.yml:3:17: traffic.blue must be an integer, not 'many'");
    assert.equal(failure('endpoint', `${MANAGED}mirror_traffic: {blue: 60}\n`), 'endpoint.yml:3:24: mirror_traffic.blue must be between 0 and 50, not 60');
    assert.match(failure('endpoint', `${MANAGED}mirror_traffic: {a: 10, b: 10}\n`), /^endpoint\.yml:3:17: mirror_traffic may name one deployment, not 2/);
    assert.match(failure('endpoint', `${MANAGED}traffic: {a: 100}\nmirror_traffic: {a: 10}\n`), /^endpoint\.yml:4:17: deployment 'a' cannot receive both live traffic and mirror traffic/);
    assert.match(failure('endpoint', `${K8S}mirror_traffic: {a: 10}\n`), /^endpoint\.yml:4:17: mirror_traffic is only available for managed online endpoints/);
    assert.match(failure('endpoint', `${K8S}public_network_access: disabled\n`), /^endpoint\.yml:4:1: unknown field 'public_network_access' in kubernetes online endpoint/);
    assert.match(failure('endpoint', `${MANAGED}public_network_access: open\n`), /^endpoint\.yml:3:24: invalid public_network_access 'open'; allowed: enabled, disabled/);
    assert.match(failure('endpoint', `${MANAGED}auth_mode: token\n`), /invalid auth_mode 'token'; allowed: key, aml_token, aad_token/);
    assert.match(failure('endpoint', `${MANAGED}identity: {user_assigned_identities: []}\n`), /^endpoint\.yml:3:11: missing required field 'type' in identity/);
    assert.match(failure('endpoint', `${MANAGED}identity: {type: user_assigned}\n`), /needs user_assigned_identities/);
    assert.equal(
      failure('endpoint', '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: x\n'),
      'endpoint.yml:1:10: this file follows managedonlinedeployment.schema.json, not an online endpoint schema; this is an online deployment file; give it as the deploymentFile input',
    );
    assert.match(failure('endpoint', '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: x\n'), /follows batchendpoint\.schema\.json, not an online endpoint schema; this is a batch endpoint file/);
  });

  it('the endpointName input replaces the name, as --name does', () => {
    assert.equal(endpoint(MANAGED, { endpointName: 'churn-prod' }).name, 'churn-prod');
    assert.match(failure('endpoint', MANAGED, { endpointName: 'x' }), /^endpointName input \(name=x\): endpoint name 'x' is invalid/);
  });

  it('applies overrides before translating, naming the override line in errors', () => {
    const t = endpoint(MANAGED, { overrides: 'auth_mode=aml_token\ntags.stage=prod\ntraffic.blue=100' });
    assert.equal(t.body.properties.authMode, 'AMLToken');
    assert.deepEqual(t.body.tags, { stage: 'prod' });
    assert.deepEqual(t.body.properties.traffic, { blue: 100 });
    assert.equal(failure('endpoint', MANAGED, { overrides: 'auth_mode=none' }), "overrides line 1 (auth_mode=none): invalid auth_mode 'none'; allowed: key, aml_token, aad_token");
  });

  describe('update of an existing endpoint', () => {
    const existing = {
      location: 'westeurope',
      identity: { type: 'SystemAssigned', principalId: 'p', tenantId: 't' },
      tags: { old: 'tag' },
      properties: { authMode: 'Key', description: 'old', properties: { a: 'b' }, traffic: { blue: 100 }, mirrorTraffic: {}, scoringUri: 'https://x' },
    };

    it('merges as az ml update does: tags and properties key by key, traffic only when asked', () => {
      const t = endpoint(`${MANAGED}description: new\ntags: {new: tag}\nproperties: {c: d}\ntraffic: {green: 100}\n`);
      const { body, changed, warnings } = mergeEndpointUpdate(existing, t);
      assert.deepEqual(body, {
        location: 'westeurope',
        identity: { type: 'SystemAssigned' },
        tags: { old: 'tag', new: 'tag' },
        properties: { authMode: 'Key', description: 'new', properties: { a: 'b', c: 'd' }, traffic: { blue: 100 }, mirrorTraffic: {} },
      });
      assert.deepEqual(changed, ['description', 'tags', 'properties']);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /endpoint\.yml:6:10: traffic in the endpoint file was not applied; the endpoint keeps \{"blue":100\}/);
      const applied = mergeEndpointUpdate(existing, t, { applyTraffic: true });
      assert.deepEqual(applied.body.properties.traffic, { green: 100 });
      assert.deepEqual(applied.changed, ['description', 'tags', 'properties', 'traffic']);
      assert.deepEqual(applied.warnings, []);
    });

    it('keeps the identity and network access an update does not change, saying so when the file differs', () => {
      const t = endpoint(`${MANAGED}identity: {type: none}\npublic_network_access: disabled\nauth_mode: aml_token\n`);
      const { body, changed, warnings } = mergeEndpointUpdate({ ...existing, properties: { ...existing.properties, publicNetworkAccess: 'Enabled' } }, t);
      assert.deepEqual(body.identity, { type: 'SystemAssigned' });
      assert.equal(body.properties.publicNetworkAccess, 'Enabled');
      assert.equal(body.properties.authMode, 'AMLToken');
      assert.deepEqual(changed, ['auth_mode']);
      assert.deepEqual(warnings.map((w) => w.replace(/^.*endpoint\.yml:/, '')), [
        '3:11: identity of an existing endpoint is not changed by an update; it stays {"type":"SystemAssigned"}',
        '4:24: public_network_access of an existing endpoint is not changed by an update; it stays "Enabled"',
      ]);
    });

    it('refuses a change of kind or compute at the compute field', () => {
      const k8s = endpoint(K8S);
      assert.throws(() => mergeEndpointUpdate(existing, k8s), /endpoint\.yml:3:10: endpoint 'my-endpoint' exists as a managed online endpoint; a kubernetes endpoint file cannot update it/);
      const onOther = { ...existing, properties: { ...existing.properties, compute: `${WS}/computes/other` } };
      assert.throws(() => mergeEndpointUpdate(onOther, k8s), /endpoint\.yml:3:10: endpoint 'my-endpoint' runs on compute .*\/computes\/other; compute cannot change after creation/);
      const same = { ...existing, properties: { ...existing.properties, compute: `${WS}/computes/K8S-COMPUTE` } };
      assert.equal(mergeEndpointUpdate(same, k8s).body.properties.compute, `${WS}/computes/K8S-COMPUTE`);
    });

    it('lists the mutable fields as data', () => {
      assert.deepEqual([...ENDPOINT_MUTABLE_FIELDS], ['description', 'tags', 'properties', 'auth_mode', 'traffic', 'mirror_traffic']);
    });
  });
});
