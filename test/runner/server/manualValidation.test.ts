// ManualValidation@0 in an agentless job: answered from the command line, at the answer file, or
// by its timeout (onTimeout); a rejection stops the pipeline as on the service.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { runYaml, steps } from '../helpers';

const PIPELINE = `
stages:
- stage: Train
  jobs:
  - job: train
    steps:
    - bash: echo trained
- stage: Validate
  jobs:
  - job: waitForValidation
    pool: server
    timeoutInMinutes: 5
    steps:
    - task: ManualValidation@0
      name: review
      timeoutInMinutes: 2
      inputs:
        notifyUsers: ml-reviewers@contoso.com
        instructions: Check the metrics of run $(Build.BuildNumber)
        onTimeout: ONTIMEOUT
- stage: Deploy
  jobs:
  - job: deploy
    steps:
    - bash: echo deployed
`;

const pipeline = (onTimeout = 'reject') => PIPELINE.replace('ONTIMEOUT', onTimeout);

describe('runner: ManualValidation@0', function () {
  this.timeout(120_000);

  it('a rejection from the command line fails the validation and stops the pipeline', async () => {
    const result = await runYaml(pipeline(), { validations: { resume: [], reject: ['review'] } });
    assert.equal(result.result, 'Failed', result.console);
    assert.equal(steps(result)['waitForValidation.review'].result, 'Failed');
    assert.match(steps(result)['waitForValidation.review'].reason ?? '', /rejected from the command line/);
    assert.equal(result.report.stages[2].result, 'Skipped', 'Deploy does not run');
    assert.doesNotMatch(result.console, /deployed/);
  });

  it('--resume lets the run go on', async () => {
    const result = await runYaml(pipeline(), { validations: { resume: ['*'], reject: [] } });
    assert.equal(result.result, 'Succeeded', result.console);
    assert.match(result.console, /deployed/);
  });

  it('waits for an answer written to the answer file the log names', async () => {
    let answered = false;
    const result = await runYaml(pipeline(), {
      minuteMs: 60_000,
      sink: (line) => {
        const m = /write 'approve' or 'reject' to (\S+);/.exec(line);
        if (m && !answered) {
          answered = true;
          setTimeout(() => fs.writeFileSync(m[1], 'reject\n'), 200);
        }
      },
    });
    assert.ok(answered, 'the log names the answer file');
    assert.equal(result.result, 'Failed', result.console);
    assert.match(result.console, /Manual validation 'review' waits for ml-reviewers@contoso\.com: Check the metrics of run \d/);
    assert.match(result.console, /rejected in .*review\.validation/);
  });

  it('times out as onTimeout says: reject fails, resume goes on', async () => {
    const rejected = await runYaml(pipeline('reject'), { minuteMs: 100 });
    assert.equal(rejected.result, 'Failed', rejected.console);
    assert.match(rejected.console, /timed out after 2 minute\(s\) \(onTimeout: reject\)/);
    const resumed = await runYaml(pipeline('resume'), { minuteMs: 100 });
    assert.equal(resumed.result, 'Succeeded', resumed.console);
  });

  it('is refused in an agent job, with its line', async () => {
    await assert.rejects(runYaml('steps:\n- task: ManualValidation@0\n  inputs:\n    notifyUsers: a@b.c\n'), /azure-pipelines\.yml:2:3: ManualValidation@0 runs only in an agentless job/);
  });
});
