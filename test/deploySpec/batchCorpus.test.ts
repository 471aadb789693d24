// Every batch endpoint and batch deployment YAML of the azureml-examples corpus (copied to
// test/fixtures/azureml-examples/endpoints/batch, see SOURCE) translates, or is refused with file:line:column.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DeploySpecError, fileFamily, finalizeBatchEndpoint, finalizeDeployment, translateBatchDeploymentFile, translateBatchEndpointFile } from '../../tasks/common/deploySpec';
import { loadYamlFile } from '../../tasks/common/jobSpec/yamlSource';
import { WS, fakeResolutions, scope, yamlFiles } from './helpers';

const corpus = path.resolve(__dirname, '..', 'fixtures', 'azureml-examples', 'endpoints', 'batch');

/** endpoint / deployment by $schema (every batch file of the corpus has one); components and jobs are skipped. */
function resourceOf(file: string): 'endpoint' | 'deployment' | undefined {
  const schema = loadYamlFile(file).root().get('$schema')?.scalar;
  if (typeof schema !== 'string') return undefined;
  if (/batchEndpoint\.schema\.json$/i.test(schema)) return 'endpoint';
  if (/BatchDeployment\.schema\.json$/i.test(schema)) return 'deployment';
  return undefined;
}

const rel = (file: string) => path.relative(corpus, file);

describe('deploySpec: azureml-examples batch corpus', () => {
  it('translates every batch endpoint and deployment YAML or refuses it with file:line:column', () => {
    const translated: string[] = [];
    const refused: Record<string, string> = {};
    let skipped = 0;
    for (const file of yamlFiles(corpus).sort()) {
      const resource = resourceOf(file);
      if (!resource) {
        skipped++;
        continue;
      }
      assert.equal(fileFamily(file, resource), 'batch', `${rel(file)} is not recognised as a batch file`);
      try {
        if (resource === 'endpoint') {
          finalizeBatchEndpoint(translateBatchEndpointFile(file, { scope }), 'westeurope');
        } else {
          const t = translateBatchDeploymentFile(file, { scope });
          assert.doesNotMatch(JSON.stringify(finalizeDeployment(t, fakeResolutions(t), scope)), /<pending:/, rel(file));
        }
        translated.push(rel(file));
      } catch (err) {
        if (!(err instanceof DeploySpecError)) throw new Error(`${rel(file)}: translation crashed: ${(err as Error).stack}`);
        assert.match(err.location, /:\d+:\d+$/, `${rel(file)}: refusal without a position: ${err.message}`);
        refused[rel(file)] = err.message.slice(file.length + 1).split(corpus + path.sep).join('');
      }
    }
    assert.equal(skipped, 3); // two command components and a pipeline job
    assert.deepEqual(translated, [
      'deploy-models/heart-classifier-mlflow/deployment-simple/deployment.yml',
      'deploy-models/heart-classifier-mlflow/endpoint.yml',
      'deploy-models/mnist-classifier/endpoint.yml',
      'deploy-pipelines/batch-scoring-with-preprocessing/endpoint.yml',
    ]);
    // Named inline assets without a version (azure-ai-ml would take the next version) are refused as for
    // online deployments (see the README's limits); the reference copy lacks the sample's pipeline.yml.
    assert.deepEqual(refused, {
      'deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml':
        '8:3: an inline environment with a name needs a version too (or neither, for an anonymous environment); azure-ai-ml would otherwise look up the next version',
      'deploy-models/mnist-classifier/deployment-torch/deployment.yml':
        '7:3: an inline model needs both name and version (registered as that version), or neither (an anonymous model)',
      'deploy-pipelines/batch-scoring-with-preprocessing/deployment.yml':
        '5:12: cannot read deploy-pipelines/batch-scoring-with-preprocessing/pipeline.yml: file not found',
    });
  });

  it('translates the refused model deployments once their named assets get versions', () => {
    const custom = path.join(corpus, 'deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml');
    // The conda file the sample names is not in the reference copy either, so the environment is replaced whole.
    const t = translateBatchDeploymentFile(custom, { scope, overrides: 'environment=azureml:batch-mlflow-xgboost:3' });
    const plan = finalizeDeployment(t, fakeResolutions(t), scope);
    assert.deepEqual(plan.body.properties.environmentId, `${WS}/environments/batch-mlflow-xgboost/versions/3`);
    assert.deepEqual(plan.body.properties.codeConfiguration, { codeId: `${WS}/codes/3f1c0000-0000-0000-0000-000000000000/versions/1`, scoringScript: 'batch_driver.py' });
    assert.deepEqual(plan.body.properties.model, { referenceType: 'Id', assetId: `${WS}/models/heart-classifier-mlflow/versions/7` });
    assert.equal(t.scoringScript?.localPath, path.join(path.dirname(custom), 'code', 'batch_driver.py'));

    const torch = path.join(corpus, 'deploy-models/mnist-classifier/deployment-torch/deployment.yml');
    const m = translateBatchDeploymentFile(torch, { scope, overrides: 'model.version=1\nenvironment=azureml:batch-torch-py38:2' });
    assert.deepEqual(m.models.map((x) => [x.name, x.version, x.upload !== undefined]), [['mnist-classifier-torch', '1', true]]);
    const body = finalizeDeployment(m, fakeResolutions(m), scope).body;
    assert.deepEqual(body.properties.model, { referenceType: 'Id', assetId: `${WS}/models/mnist-classifier-torch/versions/1` });
    assert.deepEqual(body.properties.retrySettings, { maxRetries: 3, timeout: 'PT30S' });
    assert.equal(body.sku, undefined);
  });
});
