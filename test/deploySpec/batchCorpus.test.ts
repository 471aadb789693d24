// Every batch endpoint and batch deployment YAML of the azureml-examples corpus (copied to
// test/fixtures/azureml-examples/endpoints/batch, see SOURCE) translates, or is refused with file:line:column.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
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

/**
 * The reference copy holds no conda files: an inline environment whose conda_file is missing gets this
 * stand-in (a conda file of the online samples), so the rest of the file is translated.
 */
const STAND_IN_CONDA = path.resolve(__dirname, '..', 'fixtures', 'azureml-examples', 'endpoints', 'online', 'model-1', 'environment', 'conda.yaml');

function condaStandIn(file: string): string | undefined {
  const conda = loadYamlFile(file).root().get('environment')?.get('conda_file')?.scalar;
  if (typeof conda !== 'string' || fs.existsSync(path.resolve(path.dirname(file), conda))) return undefined;
  return `environment.conda_file=${STAND_IN_CONDA}`;
}

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
          const t = translateBatchDeploymentFile(file, { scope, overrides: condaStandIn(file) });
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
      'deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml',
      'deploy-models/heart-classifier-mlflow/deployment-simple/deployment.yml',
      'deploy-models/heart-classifier-mlflow/endpoint.yml',
      'deploy-models/mnist-classifier/deployment-torch/deployment.yml',
      'deploy-models/mnist-classifier/endpoint.yml',
      'deploy-pipelines/batch-scoring-with-preprocessing/endpoint.yml',
    ]);
    // The reference copy lacks the sample's pipeline.yml.
    assert.deepEqual(refused, {
      'deploy-pipelines/batch-scoring-with-preprocessing/deployment.yml':
        '5:12: cannot read deploy-pipelines/batch-scoring-with-preprocessing/pipeline.yml: file not found',
    });
  });

  it('registers the named inline models and environments without a version at their next version', () => {
    const custom = path.join(corpus, 'deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml');
    const t = translateBatchDeploymentFile(custom, { scope, overrides: condaStandIn(custom) });
    assert.deepEqual(t.pending.flatMap((p) => (p.kind === 'nextVersion' ? [[p.assetType, p.name, rel(p.origin)]] : [])), [
      ['environments', 'batch-mlflow-xgboost', 'deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml:8:9'],
    ]);
    const plan = finalizeDeployment(t, fakeResolutions(t), scope);
    assert.deepEqual(plan.environments.map((e) => [e.name, e.version]), [['batch-mlflow-xgboost', '4']]);
    assert.deepEqual(plan.body.properties.environmentId, `${WS}/environments/batch-mlflow-xgboost/versions/4`);
    assert.deepEqual(plan.body.properties.codeConfiguration, { codeId: `${WS}/codes/3f1c0000-0000-0000-0000-000000000000/versions/1`, scoringScript: 'batch_driver.py' });
    assert.deepEqual(plan.body.properties.model, { referenceType: 'Id', assetId: `${WS}/models/heart-classifier-mlflow/versions/7` });
    assert.equal(t.scoringScript?.localPath, path.join(path.dirname(custom), 'code', 'batch_driver.py'));

    const torch = path.join(corpus, 'deploy-models/mnist-classifier/deployment-torch/deployment.yml');
    const m = translateBatchDeploymentFile(torch, { scope, overrides: condaStandIn(torch) });
    assert.deepEqual(m.pending.flatMap((p) => (p.kind === 'nextVersion' ? [[p.assetType, p.name]] : [])), [['models', 'mnist-classifier-torch'], ['environments', 'batch-torch-py38']]);
    assert.deepEqual(m.models.map((x) => [x.name, x.upload !== undefined]), [['mnist-classifier-torch', true]]);
    const mPlan = finalizeDeployment(m, fakeResolutions(m), scope);
    assert.deepEqual(mPlan.models.map((x) => [x.name, x.version]), [['mnist-classifier-torch', '4']]);
    const body = mPlan.body;
    assert.deepEqual(body.properties.model, { referenceType: 'Id', assetId: `${WS}/models/mnist-classifier-torch/versions/4` });
    assert.equal(body.properties.environmentId, `${WS}/environments/batch-torch-py38/versions/4`);
    assert.deepEqual(body.properties.retrySettings, { maxRetries: 3, timeout: 'PT30S' });
    assert.equal(body.sku, undefined);
  });
});
