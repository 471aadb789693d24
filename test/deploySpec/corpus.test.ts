// Every endpoint and deployment YAML of the azureml-examples online corpus (copied to
// test/fixtures/azureml-examples, see SOURCE) translates, or is refused with file:line:column.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DeploySpecError, translateDeploymentFile, translateEndpointFile } from '../../tasks/common/deploySpec';
import { loadYamlFile } from '../../tasks/common/jobSpec/yamlSource';
import { plan, scope, yamlFiles } from './helpers';

const corpus = path.resolve(__dirname, '..', 'fixtures', 'azureml-examples', 'endpoints', 'online');

/** endpoint / deployment by $schema, else by the fields only that resource has; others (models, conda files) are skipped. */
function resourceOf(file: string): 'endpoint' | 'deployment' | undefined {
  const root = loadYamlFile(file).root();
  const schema = root.get('$schema')?.scalar;
  if (typeof schema === 'string') {
    if (/OnlineEndpoint\.schema\.json$/i.test(schema)) return 'endpoint';
    if (/OnlineDeployment\.schema\.json$/i.test(schema)) return 'deployment';
    return undefined;
  }
  if (root.kind !== 'mapping') return undefined;
  if (root.has('endpoint_name')) return 'deployment';
  if (root.has('auth_mode') || root.has('traffic')) return 'endpoint';
  return undefined;
}

describe('deploySpec: azureml-examples online corpus', () => {
  it('translates every endpoint and deployment YAML or refuses it with file:line:column', () => {
    const files = yamlFiles(corpus).sort();
    const translated: string[] = [];
    const refused: Record<string, string> = {};
    let skipped = 0;
    for (const file of files) {
      const relative = path.relative(corpus, file);
      const resource = resourceOf(file);
      if (!resource) {
        skipped++;
        continue;
      }
      try {
        if (resource === 'endpoint') {
          translateEndpointFile(file, { scope });
        } else {
          const result = plan(translateDeploymentFile(file, { scope }));
          assert.doesNotMatch(JSON.stringify(result), /<pending:/, relative);
        }
        translated.push(relative);
      } catch (err) {
        if (!(err instanceof DeploySpecError)) throw new Error(`${relative}: translation crashed: ${(err as Error).stack}`);
        assert.match(err.location, /:\d+:\d+$/, `${relative}: refusal without a position: ${err.message}`);
        assert.ok(err.location.startsWith(file), `${relative}: refusal names another file: ${err.message}`);
        refused[relative] = err.message.slice(file.length + 1);
      }
    }
    console.log(`      corpus: ${translated.length} translated, ${Object.keys(refused).length} refused, ${skipped} other YAML files`);
    for (const [file, reason] of Object.entries(refused)) console.log(`      refused ${file}: ${reason}`);
    assert.equal(translated.length, 10);
    // The sample's {{ENDPOINT_NAME}} and {{MODEL_VERSION}} are placeholders its scripts fill in.
    assert.deepEqual(refused, {
      'managed/minimal/single-model-registered/deployment.yml':
        '3:16: endpoint_name holds the template placeholder {{ENDPOINT_NAME}}; replace it in the file or set it with an override (endpoint_name=...)',
    });
  });

  it('translates the placeholder sample once the task inputs fill them in', () => {
    const file = path.join(corpus, 'managed/minimal/single-model-registered/deployment.yml');
    assert.throws(() => translateDeploymentFile(file, { scope, endpointName: 'churn' }), /4:8: model holds the template placeholder \{\{MODEL_VERSION\}\}/);
    const t = translateDeploymentFile(file, { scope, endpointName: 'churn', model: 'azureml:minimalregistered:3' });
    assert.equal(t.endpointName, 'churn');
    assert.match(String(t.body.properties.model), /\/models\/minimalregistered\/versions\/3$/);
    assert.equal(t.environments[0].name, 'CliV2AnonymousEnvironment');
  });
});
