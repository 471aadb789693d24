// Compile time: template files, typed parameters and ${{ }} directives, each compared with the
// expansion Azure DevOps produces for it (the "expanded YAML" the service shows for a run).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PipelineFileError } from '../../../runner/errors';
import { expandPipelineFile } from '../../../runner/model/templates';
import { toYaml } from '../../../runner/model/tree';
import { tempDir } from '../helpers';

function files(tree: Record<string, string>): string {
  const dir = tempDir('runner-templates-');
  for (const [name, text] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text.replace(/^\n/, ''));
  }
  return dir;
}

function expand(tree: Record<string, string>, options: { parameters?: Record<string, string>; variables?: Record<string, string> } = {}): string {
  const dir = files(tree);
  return toYaml(expandPipelineFile(path.join(dir, 'azure-pipelines.yml'), { repositoryRoot: dir, ...options }));
}

function refusal(tree: Record<string, string>): string {
  try {
    expand(tree);
  } catch (err) {
    assert.ok(err instanceof PipelineFileError, String(err));
    return err.message.replace(/^.*[\\/]/, '');
  }
  assert.fail('accepted');
}

const unindent = (text: string) => text.replace(/^\n/, '');

describe('runner model: templates and template expressions', () => {
  it('inlines a step template with parameters of every scalar type and their defaults', () => {
    const out = expand({
      'azure-pipelines.yml': `
steps:
  - template: templates/train.yml
    parameters:
      experiment: churn
      epochs: 3
      register: true
`,
      'templates/train.yml': `
parameters:
  - name: experiment
    type: string
  - name: epochs
    type: number
    default: 1
  - name: register
    type: boolean
    default: false
  - name: compute
    type: string
    default: cpu-cluster
    values: [cpu-cluster, gpu-cluster]
steps:
  - script: train --experiment \${{ parameters.experiment }} --epochs \${{ parameters.epochs }} --on \${{ parameters.compute }}
    displayName: Train \${{ parameters.experiment }}
  - \${{ if parameters.register }}:
    - script: register
  - \${{ if not(parameters.register) }}:
    - script: skip-register
`,
    });
    assert.equal(
      out,
      unindent(`
steps:
  - script: train --experiment churn --epochs 3 --on cpu-cluster
    displayName: Train churn
  - script: register
`),
    );
  });

  it('passes object, step and stepList parameters and loops over them with each', () => {
    const out = expand({
      'azure-pipelines.yml': `
parameters:
  - name: regions
    type: object
    default: [westeurope, eastus]
  - name: tags
    type: object
    default:
      team: ml
      tier: gold
jobs:
  - template: jobs.yml
    parameters:
      regions: \${{ parameters.regions }}
      before:
        script: echo before
      steps:
        - script: echo one
        - script: echo two
  - job: Tags
    steps:
      - \${{ each tag in parameters.tags }}:
        - script: echo \${{ tag.key }}=\${{ tag.value }}
`,
      'jobs.yml': `
parameters:
  - name: regions
    type: object
  - name: before
    type: step
  - name: steps
    type: stepList
    default: []
jobs:
  - \${{ each region in parameters.regions }}:
    - job: deploy_\${{ region }}
      steps:
        - \${{ parameters.before }}
        - \${{ each step in parameters.steps }}:
          - \${{ step }}
        - \${{ parameters.steps }}
`,
    });
    assert.equal(
      out,
      unindent(`
jobs:
  - job: deploy_westeurope
    steps:
      - script: echo before
      - script: echo one
      - script: echo two
      - script: echo one
      - script: echo two
  - job: deploy_eastus
    steps:
      - script: echo before
      - script: echo one
      - script: echo two
      - script: echo one
      - script: echo two
  - job: Tags
    steps:
      - script: echo team=ml
      - script: echo tier=gold
`),
    );
  });

  it('chooses if / elseif / else branches in mappings and lists, and inserts a mapping', () => {
    const out = expand(
      {
        'azure-pipelines.yml': `
parameters:
  - name: env
    type: string
    default: dev
    values: [dev, test, prod]
  - name: extra
    type: object
    default:
      TIER: gold
variables:
  \${{ if eq(parameters.env, 'prod') }}:
    size: large
  \${{ elseif eq(parameters.env, 'test') }}:
    size: medium
  \${{ else }}:
    size: small
steps:
  - script: echo \${{ variables.size }} $(size) $[ variables.size ]
    env:
      \${{ insert }}: \${{ parameters.extra }}
      PLAIN: yes
`,
      },
      { parameters: { env: 'test' } },
    );
    assert.equal(
      out,
      unindent(`
variables:
  size: medium
steps:
  - script: echo medium $(size) $[ variables.size ]
    env:
      TIER: gold
      PLAIN: yes
`),
    );
  });

  it('expands stage and variable templates, and extends a pipeline template', () => {
    const out = expand({
      'azure-pipelines.yml': `
trigger: none
extends:
  template: pipeline.yml
  parameters:
    stages: [dev, prod]
`,
      'pipeline.yml': `
parameters:
  - name: stages
    type: object
variables:
  - template: vars.yml
    parameters:
      region: westeurope
stages:
  - \${{ each s in parameters.stages }}:
    - template: stage.yml
      parameters:
        name: \${{ s }}
`,
      'vars.yml': `
parameters:
  region: northeurope
variables:
  location: \${{ parameters.region }}
`,
      'stage.yml': `
parameters:
  - name: name
    type: string
stages:
  - stage: \${{ parameters.name }}
    jobs:
      - job: deploy
        steps:
          - script: echo \${{ parameters.name }} \${{ variables.location }}
`,
    });
    assert.equal(
      out,
      unindent(`
trigger: none
variables:
  - name: location
    value: westeurope
stages:
  - stage: dev
    jobs:
      - job: deploy
        steps:
          - script: echo dev westeurope
  - stage: prod
    jobs:
      - job: deploy
        steps:
          - script: echo prod westeurope
`),
    );
  });

  it('includes step templates passed inside a stepList parameter, relative to the file that names them', () => {
    const out = expand({
      'azure-pipelines.yml': `
steps:
  - template: templates/wrap.yml
    parameters:
      inner:
        - script: echo first
        - template: steps/hello.yml
          parameters:
            who: world
`,
      'templates/wrap.yml': `
parameters:
  - name: inner
    type: stepList
steps:
  - script: echo before
  - \${{ each step in parameters.inner }}:
    - \${{ step }}
  - script: echo after
`,
      'steps/hello.yml': `
parameters:
  who: nobody
steps:
  - script: echo hello \${{ parameters.who }}
`,
    });
    assert.equal(out, unindent(`
steps:
  - script: echo before
  - script: echo first
  - script: echo hello world
  - script: echo after
`));
  });

  it('leaves runtime expressions and macros for run time', () => {
    const out = expand({ 'azure-pipelines.yml': "variables:\n  a: $[ dependencies.A.outputs['s.v'] ]\nsteps:\n  - script: echo $(a) ${{ upper('x') }}\n" });
    assert.equal(out, "variables:\n  a: $[ dependencies.A.outputs['s.v'] ]\nsteps:\n  - script: echo $(a) X\n");
  });

  const refused: Array<[string, Record<string, string>, RegExp]> = [
    ['a missing required parameter', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n', 't.yml': 'parameters:\n  - name: a\nsteps: []\n' }, /^azure-pipelines\.yml:2:15: the template t\.yml needs the parameter 'a'/],
    ['an unknown parameter', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n    parameters:\n      b: 1\n', 't.yml': 'parameters:\n  - name: a\n    default: x\nsteps: []\n' }, /^azure-pipelines\.yml:4:7: the template t\.yml has no parameter 'b'/],
    ['a value outside values', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n    parameters:\n      a: z\n', 't.yml': 'parameters:\n  - name: a\n    default: x\n    values: [x, y]\nsteps: []\n' }, /^azure-pipelines\.yml:4:10: parameter 'a' is 'z' but must be one of: x, y/],
    ['a wrongly typed boolean', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n    parameters:\n      a: yes\n', 't.yml': 'parameters:\n  - name: a\n    type: boolean\nsteps: []\n' }, /^azure-pipelines\.yml:4:10: parameter 'a' is a boolean: 'yes' is neither true nor false/],
    ['a mapping for a stepList', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n    parameters:\n      a:\n        x: 1\n', 't.yml': 'parameters:\n  - name: a\n    type: stepList\nsteps: []\n' }, /^azure-pipelines\.yml:5:9: parameter 'a' is of type steplist: expected a list of steps/],
    ['a template of the wrong kind', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n', 't.yml': 'jobs:\n  - job: A\n' }, /^t\.yml:1:1: a steps template may only hold 'parameters' and 'steps', not 'jobs'/],
    ['a template that includes itself', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n', 't.yml': 'steps:\n  - template: t.yml\n' }, /^t\.yml:2:15: (templates are nested more than 100 deep|a pipeline may include at most 100 template files)/],
    ['an unknown function', { 'azure-pipelines.yml': 'steps:\n  - script: ${{ frobnicate(1) }}\n' }, /^azure-pipelines\.yml:2:13: in '\$\{\{ frobnicate\(1\) \}\}': function 'frobnicate' is not supported/],
    ['a default that is an expression', { 'azure-pipelines.yml': 'steps:\n  - template: t.yml\n', 't.yml': 'parameters:\n  - name: a\n    default: ${{ variables.x }}\nsteps: []\n' }, /^t\.yml:3:14: the value of parameter 'a' cannot hold a template expression/],
    ['own steps beside extends', { 'azure-pipelines.yml': 'extends:\n  template: t.yml\nsteps:\n  - script: echo\n', 't.yml': 'steps:\n  - script: echo\n' }, /^azure-pipelines\.yml:3:1: a pipeline that uses 'extends' cannot have its own 'steps'/],
  ];
  for (const [what, tree, expected] of refused) {
    it(`refuses ${what} with its file and line`, () => assert.match(refusal(tree), expected));
  }
});
