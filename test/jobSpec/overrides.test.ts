import * as assert from 'node:assert/strict';
import { parseOverrides } from '../../tasks/common/jobSpec/overrides';
import { translateYaml, translationError, WS } from './helpers';

const JOB = 'command: python t.py --lr ${{inputs.learning_rate}}\nenvironment: azureml:e:1\ncompute: azureml:cpu-cluster\ninputs:\n  learning_rate: 0.1\n';

describe('jobSpec: overrides (az ml --set)', () => {
  it('parses multiline path=value text, skipping blanks and comments', () => {
    assert.deepEqual(parseOverrides('inputs.learning_rate=0.01\n\n# comment\n compute = azureml:gpu-cluster \nenvironment_variables.X=a=b\n'), [
      { path: ['inputs', 'learning_rate'], value: '0.01', label: 'overrides line 1' },
      { path: ['compute'], value: 'azureml:gpu-cluster', label: 'overrides line 4' },
      { path: ['environment_variables', 'X'], value: 'a=b', label: 'overrides line 5' },
    ]);
  });

  it('applies overrides to the YAML before translation: inputs, compute, new environment variables', () => {
    const t = translateYaml(JOB, { overrides: 'inputs.learning_rate=0.01\ncompute=azureml:gpu-cluster\nenvironment_variables.X=y\n' });
    assert.deepEqual(t.body.properties.inputs, { learning_rate: { jobInputType: 'literal', value: '0.01' } });
    assert.equal(t.body.properties.computeId, `${WS}/computes/gpu-cluster`);
    assert.deepEqual(t.body.properties.environmentVariables, { X: 'y' });
  });

  it('coerces override strings where the schema wants numbers or booleans, as marshmallow does', () => {
    const t = translateYaml(JOB, { overrides: 'resources.instance_count=3\nlimits.timeout=60\n' });
    assert.deepEqual(t.body.properties.resources, { instanceCount: 3, properties: {} });
    assert.deepEqual(t.body.properties.limits, { jobLimitsType: 'Command', timeout: 'PT1M' });
  });

  it('names the override line when an overridden value is invalid or the path cannot be set', () => {
    assert.equal(
      translationError(JOB, { overrides: 'resources.instance_count=many' }),
      "overrides line 1 (resources.instance_count=many): resources.instance_count must be an integer, not 'many'",
    );
    assert.equal(translationError(JOB, { overrides: 'compute.name=x' }), "overrides line 1: cannot set 'compute.name': 'compute' is not a mapping");
    assert.equal(translationError(JOB, { overrides: 'just-text' }), "overrides line 1: expected path=value (e.g. inputs.learning_rate=0.01), got 'just-text'");
  });

  it('blames a field an override introduces on the overrides line, not on the job file', () => {
    assert.match(translationError('command: echo\nenvironment: azureml:e:1\n', { overrides: 'inputs.a=1\nfoo.bar=1' }), /^overrides line 2 \(foo\.bar=1\): unknown field 'foo' in command job/);
    assert.match(translationError('command: echo\nenvironment: azureml:e:1\n', { overrides: 'resources.instnce_count=2' }), /^overrides line 1 \(resources\.instnce_count=2\): unknown field 'instnce_count' in resources/);
  });
});
