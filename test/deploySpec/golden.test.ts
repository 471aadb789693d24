// One YAML per resource kind using every field (test/fixtures/deploySpec), against the bodies they must
// become. Set UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change, then review the diff.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finalizeEndpoint, translateDeploymentFile, translateEndpointFile } from '../../tasks/common/deploySpec';
import { plan, scope } from './helpers';

const dir = path.resolve(__dirname, '..', 'fixtures', 'deploySpec');

function compare(name: string, actual: unknown): void {
  const file = path.join(dir, `${name}.expected.json`);
  // Paths inside the fixture folder are written relative to it, so the expected files are portable.
  const json = `${JSON.stringify(actual, null, 2)}\n`.split(dir + path.sep).join('');
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, json);
  assert.equal(json, fs.readFileSync(file, 'utf8'), `${name} differs from ${path.relative(process.cwd(), file)}`);
}

describe('deploySpec: every field of each resource kind', () => {
  for (const name of ['managed-endpoint', 'kubernetes-endpoint']) {
    it(name, () => {
      const t = translateEndpointFile(path.join(dir, `${name}.yml`), { scope });
      compare(name, { kind: t.kind, name: t.name, warnings: t.warnings, body: finalizeEndpoint(t, 'westeurope') });
    });
  }
  for (const name of ['managed-deployment', 'kubernetes-deployment']) {
    it(name, () => {
      const t = translateDeploymentFile(path.join(dir, `${name}.yml`), { scope });
      const { kind, endpointName, instanceType = null, pending, warnings } = t;
      compare(name, { kind, name: t.name, endpointName, instanceType, pending, warnings, plan: plan(t) });
    });
  }
});
