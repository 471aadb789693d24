import * as assert from 'node:assert/strict';
import { JobSpecError } from '../../tasks/common/jobSpec/yamlSource';
import { translateJobFile } from '../../tasks/common/jobSpec/translate';
import { scope, translateYaml, translationError } from './helpers';

describe('jobSpec: errors name file:line:column and what is allowed', () => {
  it('refuses an unknown command-job field, suggesting the closest allowed one', () => {
    assert.equal(
      translationError('command: echo\nenvironment: azureml:e:1\ncomptue: azureml:cpu\n'),
      "job.yml:3:1: unknown field 'comptue' in command job (did you mean 'compute'?); allowed: $schema, type, name, display_name, description, tags, properties, experiment_name, compute, identity, services, inputs, outputs, command, code, environment, environment_variables, resources, distribution, limits, queue_settings",
    );
  });

  it('refuses unknown nested fields (resources, inputs) at their own position', () => {
    assert.match(translationError('command: echo\nenvironment: azureml:e:1\nresources:\n  instance_cnt: 2\n'), /^job\.yml:4:3: unknown field 'instance_cnt' in resources \(did you mean 'instance_count'\?\); allowed: instance_count, instance_type, properties, shm_size, docker_args$/);
    assert.match(translationError('command: echo\nenvironment: azureml:e:1\ninputs:\n  d:\n    type: uri_folder\n    pth: ./x\n'), /^job\.yml:6:5: unknown field 'pth' in input 'd' \(did you mean 'path'\?\)/);
  });

  it('refuses invalid values: enums, integers, modes, strings', () => {
    assert.equal(
      translationError('command: echo\nenvironment: azureml:e:1\ninputs:\n  d:\n    type: uri_folder\n    path: ./x\n    mode: rw_mount\n'),
      "job.yml:7:11: invalid mode of input 'd' 'rw_mount'; allowed: mount, ro_mount, download, direct, eval_mount, eval_download",
    );
    assert.equal(translationError('command: echo\nenvironment: azureml:e:1\nresources:\n  instance_count: two\n'), "job.yml:4:19: resources.instance_count must be an integer, not 'two'");
    assert.equal(translationError('command: echo\nenvironment: azureml:e:1\ndistribution:\n  type: horovod\n'), "job.yml:4:9: invalid distribution type 'horovod'; allowed: pytorch, mpi, tensorflow");
    assert.equal(translationError('command: echo\nenvironment: azureml:e:1\nenvironment_variables:\n  N: 3\n'), 'job.yml:4:6: environment_variables.N must be a string, not number');
  });

  it('refuses a missing required field at the mapping that lacks it', () => {
    assert.equal(translationError('code: src\ncommand: echo\n'), "job.yml:1:1: missing required field 'environment' in command job");
    assert.equal(translationError('type: sweep\ntrial:\n  command: echo\n  environment: azureml:e:1\nsearch_space:\n  x:\n    type: choice\n    values: [1]\nsampling_algorithm: random\n'), "job.yml:1:1: missing required field 'objective' in sweep job");
  });

  it('refuses references the command makes to undefined inputs, as validate_inputs_for_command does', () => {
    assert.equal(
      translationError('command: python t.py --x ${{inputs.x}} $[[--y ${{inputs.y}}]]\nenvironment: azureml:e:1\n'),
      'job.yml:1:10: the command references ${{inputs.x}} but inputs has no \'x\'; defined: (none)',
    );
  });

  it('refuses invalid YAML at the parser position, and non-mapping documents', () => {
    assert.match(translationError('command: echo\n  environment: [\n'), /^job\.yml:\d+:\d+: invalid YAML: /);
    assert.equal(translationError('- a\n- b\n'), 'job.yml:1:1: a job file must be a mapping of fields, not sequence');
  });

  it('refuses job types it does not submit, and files that are not jobs', () => {
    assert.equal(translationError('type: data_transfer\ntask: copy_data\n'), "job.yml:1:7: job type 'data_transfer' is not supported by this task; supported: command, sweep, pipeline, spark, automl");
    assert.match(translationError('$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\nname: c\n'), /^job\.yml:1:10: this file follows commandComponent\.schema\.json, not a job schema/);
  });

  it('refuses references it cannot turn into ids', () => {
    assert.equal(translationError('command: echo\nenvironment: azureml:sklearn\n'), "job.yml:2:14: environment 'azureml:sklearn' needs a version: azureml:<name>:<version> or azureml:<name>@latest");
    assert.equal(translationError('command: echo\nenvironment: azureml:e:1\ncompute: local\n'), "job.yml:3:10: compute 'local' runs the job on this machine with the CLI; it cannot be submitted to a workspace");
    assert.equal(
      translationError('command: echo\nenvironment: azureml:e:1\noutputs:\n  o:\n    path: ./out\n'),
      "job.yml:5:11: output 'o' path must be a datastore URI (azureml://datastores/<name>/paths/<path>), not a local path",
    );
  });

  it('throws JobSpecError (a user error: the task prints the message, not a stack)', () => {
    assert.throws(() => translateYaml('command: echo\n'), (err: unknown) => err instanceof JobSpecError && /job\.yml:1:1/.test(err.location));
  });

  it('names a missing job file', () => {
    assert.throws(() => translateJobFile('/nonexistent/job.yml', { scope }), { message: '/nonexistent/job.yml: file not found' });
  });

  it('refuses a mapping or list as the default of a literal input, at its line (PyYAML would send "None")', () => {
    assert.equal(translationError('command: echo ${{inputs.x}}\nenvironment: azureml:e:1\ninputs:\n  x:\n    type: string\n    default:\n      a: 1\n'), "job.yml:7:7: the value of literal input 'x' of type string must be a single value, not a mapping");
    assert.match(translationError('command: echo ${{inputs.x}}\nenvironment: azureml:e:1\ninputs:\n  x:\n    type: integer\n    default: [1, 2]\n'), /^job\.yml:6:14: the value of literal input 'x' of type integer must be a single value, not a sequence$/);
  });
});
