// What the runner refuses, with the construct and file:line, and what it accepts as metadata.
import * as assert from 'node:assert/strict';
import { PipelineFileError } from '../../../runner/errors';
import { parsePipeline } from '../../../runner/model/parser';

function refusal(yaml: string, options = {}): string {
  try {
    parsePipeline(yaml, 'pipeline.yml', options);
  } catch (err) {
    assert.ok(err instanceof PipelineFileError, `unexpected ${String(err)}`);
    return err.message;
  }
  assert.fail('the pipeline was accepted');
}

describe('runner: YAML support', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a missing step template', 'steps:\n  - script: echo\n  - template: steps.yml\n', /^pipeline\.yml:3:15: cannot read .*steps\.yml: ENOENT/],
    ['a template from another repository', 'steps:\n  - template: steps.yml@tools\n', /^pipeline\.yml:2:15: a template from another repository \('steps\.yml@tools'\) is not supported/],
    ['a missing extends template', 'extends:\n  template: base.yml\n', /^pipeline\.yml:2:13: cannot read .*base\.yml: ENOENT/],
    ['resources', 'resources:\n  repositories: []\nsteps:\n  - script: echo\n', /^pipeline\.yml:1:1: 'resources' at the top level/],
    ['an else without if', 'steps:\n  - ${{ else }}:\n    - script: echo\n', /^pipeline\.yml:2:5: '\$\{\{ else \}\}' must follow '\$\{\{ if \}\}'/],
    ['each in a value', 'steps:\n  - script: echo ${{ each x in parameters.list }}\n', /^pipeline\.yml:2:13: '\$\{\{ each x in parameters\.list \}\}' can only be a key/],
    ['virtual machine environments', 'jobs:\n  - deployment: D\n    environment:\n      name: prod\n      resourceType: VirtualMachine\n    strategy:\n      runOnce:\n        deploy:\n          steps:\n            - script: echo\n', /^pipeline\.yml:5:21: resourceType 'VirtualMachine' \(deployment to registered machines\) is not supported/],
    ['a deployment without strategy', 'jobs:\n  - deployment: Deploy\n    environment: prod\n', /^pipeline\.yml:2:5: deployment 'Deploy' needs a 'strategy'/],
    ['a runtime matrix', "jobs:\n  - job: A\n    strategy:\n      matrix: $[ dependencies.A.outputs['x.legs'] ]\n    steps:\n      - script: echo\n", /^pipeline\.yml:4:15: a matrix computed at runtime is not supported/],
    ['a canary without increments', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      canary:\n        deploy:\n          steps:\n            - script: echo\n', /^pipeline\.yml:5:7: the canary strategy needs 'increments'/],
    ['a container job', 'jobs:\n  - job: A\n    container: ubuntu\n    steps:\n      - script: echo\n', /^pipeline\.yml:3:5: 'container' in a job is not supported/],
    ['a pwsh step', 'steps:\n  - pwsh: Write-Host hi\n', /^pipeline\.yml:2:5: the 'pwsh' step is not supported/],
    ['an undefined variable group', 'variables:\n  - group: secrets\nsteps:\n  - script: echo\n', /^pipeline\.yml:2:12: variable group 'secrets' is not defined here: give it with --variable-group secrets=<file\.yml>/],
    ['environment tags', 'jobs:\n  - deployment: D\n    environment:\n      name: prod\n      tags: web\n    strategy:\n      runOnce:\n        deploy:\n          steps: []\n', /^pipeline\.yml:5:7: 'tags' \(virtual machine resources\) is not supported/],
    ['an unknown strategy', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      blueGreen:\n        deploy:\n          steps: []\n', /^pipeline\.yml:5:7: a deployment's 'strategy' must be exactly one of runOnce, rolling, canary/],
    ['an unknown lifecycle hook', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      runOnce:\n        postDeploy:\n          steps: []\n', /^pipeline\.yml:6:9: unexpected key 'postDeploy' in the runOnce strategy/],
    ['an unknown on hook', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      runOnce:\n        on:\n          always:\n            steps: []\n', /^pipeline\.yml:7:11: unexpected key 'always' under 'on' \(success, failure\)/],
    ['a zero rolling maxParallel', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      rolling:\n        maxParallel: 0\n        deploy:\n          steps: []\n', /^pipeline\.yml:6:22: 'maxParallel' must be a count or a percentage/],
    ['a canary increment over 100', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      canary:\n        increments: [10, 150]\n        deploy:\n          steps: []\n', /^pipeline\.yml:6:21: canary increments are percentages from 1 to 100, not '150'/],
    ['maxParallel in runOnce', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      runOnce:\n        maxParallel: 2\n', /^pipeline\.yml:6:9: unexpected key 'maxParallel' in the runOnce strategy/],
    ['steps in a deployment job', 'jobs:\n  - deployment: D\n    environment: prod\n    steps: []\n', /^pipeline\.yml:4:5: unexpected key 'steps' in a deployment job/],
    ['a container in a deployment job', 'jobs:\n  - deployment: D\n    environment: prod\n    container: ubuntu\n', /^pipeline\.yml:4:5: 'container' in a deployment job is not supported/],
    ['a deployment named deploy', 'jobs:\n  - deployment: deploy\n    environment: prod\n', /^pipeline\.yml:2:17: 'deploy' is a keyword/],
    ['matrix with parallel', 'jobs:\n  - job: A\n    strategy:\n      parallel: 2\n      matrix:\n        a: {}\n    steps:\n      - script: echo\n', /^pipeline\.yml:4:7: 'matrix' and 'parallel' cannot be used together/],
    ['an unknown job strategy key', 'jobs:\n  - job: A\n    strategy:\n      runOnce: {}\n    steps:\n      - script: echo\n', /^pipeline\.yml:4:7: unexpected key 'runOnce' in a job's strategy/],
    ['a server job hook', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      runOnce:\n        deploy:\n          pool: server\n          steps: []\n', /^pipeline\.yml:7:17: a server job hook \('pool: server' in 'deploy'\) is not supported/],
    ['a hook without steps', 'jobs:\n  - deployment: D\n    environment: prod\n    strategy:\n      runOnce:\n        deploy:\n          pool: x\n', /^pipeline\.yml:6:9: the 'deploy' hook has no 'steps'/],
    ['a YAML alias', 'variables:\n  a: &x one\n  b: *x\nsteps:\n  - script: echo\n', /^pipeline\.yml:3:6: YAML aliases/],
    ['checkout of another repository', 'steps:\n  - checkout: tools\n', /^pipeline\.yml:2:15: 'checkout: tools' \(only self and none\) is not supported/],
    ['an unknown step key', 'steps:\n  - script: echo\n    retries: 3\n', /^pipeline\.yml:3:5: unexpected key 'retries' in a 'script' step/],
    ['a bad condition', 'steps:\n  - script: echo\n    condition: eq(variables.a, \n', /^pipeline\.yml:3:16: invalid condition/],
    ['an unknown dependency', 'jobs:\n  - job: A\n    dependsOn: Missing\n    steps:\n      - script: echo\n', /^pipeline\.yml:2:5: job 'A' depends on 'Missing'/],
    ['a malformed task reference', 'steps:\n  - task: AzureMLWorkspace\n', /^pipeline\.yml:2:11: task reference 'AzureMLWorkspace' must look like Name@MajorVersion/],
    ['invalid YAML', 'steps:\n  - script: echo\n    script: twice\n', /^pipeline\.yml:3:5: invalid YAML: Map keys must be unique/],
    ['a job workspace', 'jobs:\n  - job: A\n    workspace:\n      clean: all\n    steps:\n      - script: echo\n', /^pipeline\.yml:3:5: 'workspace' in a job is not supported/],
    ['a checkout path', 'steps:\n  - checkout: self\n    path: src\n', /^pipeline\.yml:3:5: 'path' in a checkout step is not supported/],
    ['a sparse checkout', 'steps:\n  - checkout: self\n    sparseCheckoutDirectories: src\n', /^pipeline\.yml:3:5: 'sparseCheckoutDirectories' in a checkout step is not supported/],
    ['an unknown stage key', 'stages:\n  - stage: A\n    trigger: manual\n    jobs: []\n', /^pipeline\.yml:3:5: unexpected key 'trigger' in a stage/],
    ['a missing parameter value', 'parameters:\n  - name: env\nsteps:\n  - script: echo\n', /^pipeline\.yml:2:5: parameter 'env' has no default: give it with --param env=<value>/],
  ];
  for (const [what, yaml, expected] of cases) {
    it(`refuses ${what} with its position`, () => assert.match(refusal(yaml), expected));
  }

  it('knows the predefined variables the service has at compile time, and lets --var set them', () => {
    const yaml = "steps:\n  - ${{ if eq(variables['Build.SourceBranch'], 'refs/heads/main') }}:\n    - script: echo deploy ${{ variables['Build.DefinitionName'] }}\n  - script: echo always\n";
    const onMain = parsePipeline(yaml, '/nonexistent/azure-pipelines.yml');
    assert.deepEqual(onMain.stages[0].jobs[0].steps.map((s) => (s.kind === 'script' ? s.script : '')), ['echo deploy azure-pipelines', 'echo always']);
    const onBranch = parsePipeline(yaml, '/nonexistent/azure-pipelines.yml', { variables: { 'Build.SourceBranch': 'refs/heads/feature' } });
    assert.deepEqual(onBranch.stages[0].jobs[0].steps.map((s) => (s.kind === 'script' ? s.script : '')), ['echo always']);
  });

  it('accepts trigger, pr, pool and name as metadata, and both variable forms', () => {
    const p = parsePipeline(
      'name: $(Date:yyyyMMdd)-ml\ntrigger: [main]\npr: none\npool:\n  vmImage: ubuntu-latest\nvariables:\n  - name: a\n    value: 1\n  - name: b\n    value: two\n    readonly: true\nsteps:\n  - checkout: self\n  - script: echo\n',
      'p.yml',
    );
    assert.equal(p.buildNumberFormat, '$(Date:yyyyMMdd)-ml');
    assert.deepEqual(
      p.variables.map((v) => [v.name, v.value, v.readonly]),
      [
        ['a', '1', false],
        ['b', 'two', true],
      ],
    );
    assert.deepEqual(
      p.stages[0].jobs[0].steps.map((s) => [s.kind, s.name]),
      [
        ['checkout', 'Checkout'],
        ['script', 'CmdLine'],
      ],
    );
  });

  it('accepts stage lockBehavior/isSkippable and checkout fetch options as metadata, with a warning naming each', () => {
    const p = parsePipeline(
      'stages:\n  - stage: A\n    lockBehavior: sequential\n    isSkippable: false\n    jobs:\n      - job: J\n        steps:\n          - checkout: self\n            clean: true\n            fetchDepth: 1\n            lfs: true\n            submodules: recursive\n            persistCredentials: true\n',
      'p.yml',
    );
    assert.deepEqual(p.warnings, [
      "p.yml:3:5: 'lockBehavior' has no effect in a local run (it steers the Azure DevOps service)",
      "p.yml:4:5: 'isSkippable' has no effect in a local run (it steers the Azure DevOps service)",
      ...[
        ['9', 'clean'],
        ['10', 'fetchDepth'],
        ['11', 'lfs'],
        ['12', 'submodules'],
        ['13', 'persistCredentials'],
      ].map(([line, key]) => `p.yml:${line}:13: '${key}' has no effect in a local run: checkout: self uses the working copy as it is, nothing is fetched`),
    ]);
    assert.equal(p.stages[0].jobs[0].steps[0].kind, 'checkout');
  });

  it('names steps like the agent when they have no name, and refuses duplicates', () => {
    const p = parsePipeline('steps:\n  - script: a\n  - script: b\n  - task: AzureMLWorkspace@1\n  - bash: c\n', 'p.yml');
    assert.deepEqual(
      p.stages[0].jobs[0].steps.map((s) => s.name),
      ['CmdLine', 'CmdLine1', 'AzureMLWorkspace', 'Bash'],
    );
    assert.match(refusal('steps:\n  - script: a\n    name: x\n  - script: b\n    name: x\n'), /^pipeline\.yml:4:5: step name 'x' is used twice/);
  });

  it('checks parameter types and allowed values', () => {
    const yaml = 'parameters:\n  - name: size\n    type: number\n    default: 2\n  - name: env\n    values: [dev, prod]\n    default: dev\nsteps:\n  - script: echo ${{ parameters.size }}\n';
    assert.equal((parsePipeline(yaml, 'p.yml').stages[0].jobs[0].steps[0] as { script: string }).script, 'echo 2');
    assert.match(refusal(yaml, { parameters: { size: 'big' } }), /parameter 'size' is a number: 'big' is not/);
    assert.match(refusal(yaml, { parameters: { env: 'qa' } }), /parameter 'env' is 'qa' but must be one of: dev, prod/);
  });
});
