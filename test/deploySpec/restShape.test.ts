// Every property name the translator sends exists in the official 2023-04-01 request examples
// (test/fixtures/azure-specs), except the few the examples leave out, listed here with their reason.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finalizeEndpoint, translateDeploymentFile, translateEndpointFile } from '../../tasks/common/deploySpec';
import { plan, scope } from './helpers';

const examples = path.resolve(__dirname, '..', 'fixtures', 'azure-specs', 'machinelearningservices', '2023-04-01', 'examples');
const fixtures = path.resolve(__dirname, '..', 'fixtures', 'deploySpec');

/** Dotted paths of every key in an object (maps of user names such as tags are not descended into). */
function keyPaths(value: unknown, prefix = '', opaque: readonly string[] = []): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value) || opaque.includes(prefix)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const p = prefix ? `${prefix}.${key}` : key;
    return [p, ...keyPaths(child, p, opaque)];
  });
}

const read = (file: string) => JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8'));
const USER_MAPS = ['tags', 'properties.properties', 'properties.environmentVariables', 'properties.traffic', 'properties.mirrorTraffic', 'identity.userAssignedIdentities'];

describe('deploySpec: request bodies use the 2023-04-01 property names', () => {
  it('deployments (managed and Kubernetes)', () => {
    const known = new Set([
      ...keyPaths(read('OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json').parameters.body, '', USER_MAPS),
      ...keyPaths(read('OnlineDeployment/KubernetesOnlineDeployment/createOrUpdate.json').parameters.body, '', USER_MAPS),
      // In the spec's definitions but not in these examples (which show Default scaling only):
      // OnlineDeploymentProperties.egressPublicNetworkAccess and TargetUtilizationScaleSettings.
      'properties.egressPublicNetworkAccess',
      'properties.scaleSettings.minInstances',
      'properties.scaleSettings.maxInstances',
      'properties.scaleSettings.pollingInterval',
      'properties.scaleSettings.targetUtilizationPercentage',
    ]);
    for (const name of ['managed-deployment', 'kubernetes-deployment']) {
      const { body } = plan(translateDeploymentFile(path.join(fixtures, `${name}.yml`), { scope }));
      // dataCollector needs 2023-04-01-preview (the translation says so in apiVersion).
      const unknown = keyPaths(body, '', USER_MAPS).filter((p) => !known.has(p) && !p.startsWith('properties.dataCollector'));
      assert.deepEqual(unknown, [], name);
    }
  });

  it('endpoints', () => {
    const example = read('OnlineEndpoint/update.json');
    const known = new Set([
      ...keyPaths(example.parameters.body, '', USER_MAPS),
      ...keyPaths(example.responses['200'].body, '', USER_MAPS),
      // New in 2023-04-01 / absent from the example response: see tasks/common/deploySpec/README.md.
      'properties.mirrorTraffic',
      'properties.publicNetworkAccess',
    ]);
    for (const name of ['managed-endpoint', 'kubernetes-endpoint']) {
      const body = finalizeEndpoint(translateEndpointFile(path.join(fixtures, `${name}.yml`), { scope }), 'westeurope');
      assert.deepEqual(keyPaths(body, '', USER_MAPS).filter((p) => !known.has(p)), [], name);
    }
  });
});
