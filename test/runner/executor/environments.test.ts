// Environments: approvals (command line, prompt, answer file, timeout, rejection) before the stage
// starts, the exclusive lock, and refusal of checks that need server tasks.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cancellation } from '../../../runner/cancellation';
import { PipelineFileError } from '../../../runner/errors';
import { readEnvironmentsFile } from '../../../runner/executor/environments';
import { runYaml, tempDir } from '../helpers';

const PIPELINE = `
stages:
  - stage: Dev
    jobs:
      - job: Build
        steps:
          - script: echo "RAN build"
  - stage: Prod
    jobs:
      - deployment: Release
        environment: prod
        strategy:
          runOnce:
            deploy:
              steps:
                - script: echo "RAN prod deploy"
`;

function environments(text: string): string {
  const file = path.join(tempDir(), 'environments.yml');
  fs.writeFileSync(file, text);
  return file;
}

const ran = (lines: string[]) => lines.filter((l) => l.startsWith('RAN ')).map((l) => l.slice(4));

describe('runner executor: environments and approvals', () => {
  const approval = environments('prod:\n  approval:\n    timeoutInMinutes: 1\n    instructions: Check the dashboard\n');

  it('deploys after --approve', async () => {
    const r = await runYaml(PIPELINE, { environmentsFile: approval, approvals: { approve: ['prod'], reject: [] } });
    assert.equal(r.result, 'Succeeded', r.console);
    assert.deepEqual(ran(r.lines), ['build', 'prod deploy']);
    assert.ok(r.lines.includes("Environment 'prod': approved from the command line (--approve prod)."), r.console);
  });

  it('fails the stage without running its jobs after --reject', async () => {
    const r = await runYaml(PIPELINE, { environmentsFile: approval, approvals: { approve: [], reject: ['PROD'] } });
    assert.equal(r.result, 'Failed');
    assert.deepEqual(ran(r.lines), ['build']);
    const prod = r.report.stages[1];
    assert.equal(prod.result, 'Failed');
    assert.match(prod.reason!, /environment 'prod': rejected from the command line/);
    assert.equal(prod.jobs[0].result, 'Skipped');
  });

  it('fails the stage when nobody answers before the timeout', async () => {
    const r = await runYaml(PIPELINE, { environmentsFile: approval, minuteMs: 300 });
    assert.equal(r.result, 'Failed');
    assert.deepEqual(ran(r.lines), ['build']);
    assert.match(r.report.stages[1].reason!, /the approval timed out after 1 minute/);
    assert.ok(r.lines.some((l) => l.includes('waits for an approval to deploy to environment') && l.includes('Check the dashboard')));
  });

  it('takes the answer typed at the prompt', async () => {
    const questions: string[] = [];
    const r = await runYaml(PIPELINE, {
      environmentsFile: approval,
      approvals: { approve: [], reject: [], prompt: async (q) => (questions.push(q), questions.length === 1 ? 'maybe' : 'y') },
    });
    assert.equal(r.result, 'Succeeded', r.console);
    assert.equal(questions.length, 2, 'an unclear answer is asked again');
    assert.match(questions[0], /Approve the deployment of stage Prod to 'prod'\? \[y\/n\]/);
  });

  it('takes an answer written to the answer file while the run waits', async () => {
    const r = await runYaml(PIPELINE, {
      environmentsFile: approval,
      minuteMs: 60_000,
      sink: (line) => {
        const m = /write 'approve' or 'reject' to (\S+);/.exec(line);
        if (m) setTimeout(() => fs.writeFileSync(m[1], 'reject\n'), 100);
      },
    });
    assert.equal(r.result, 'Failed');
    assert.match(r.report.stages[1].reason!, /rejected in .*prod\.approval/);
  });

  it('stops waiting for an approval when the run is canceled, and marks the stage canceled', async () => {
    const cancellation = new Cancellation();
    const r = await runYaml(PIPELINE, {
      environmentsFile: approval,
      cancellation,
      sink: (line) => {
        if (line.includes('waits for an approval')) setTimeout(() => cancellation.cancel(), 50);
      },
    });
    assert.equal(r.result, 'Canceled');
    assert.equal(r.report.stages[1].result, 'Canceled');
    assert.deepEqual(ran(r.lines), ['build']);
  });

  it('runs deployments to an environment with an exclusive lock one stage at a time', async () => {
    const dir = tempDir();
    const trace = path.join(dir, 'trace.txt');
    const stage = (name: string) => `
  - stage: ${name}
    dependsOn: []
    jobs:
      - deployment: Release
        environment: shared
        strategy:
          runOnce:
            deploy:
              steps:
                - script: echo "start ${name}" >> ${trace}; sleep 0.5; echo "end ${name}" >> ${trace}
`;
    const r = await runYaml(`stages:${stage('One')}${stage('Two')}`, { environmentsFile: environments('shared:\n  exclusiveLock: true\n'), parallel: 2 });
    assert.equal(r.result, 'Succeeded', r.console);
    const lines = fs.readFileSync(trace, 'utf8').trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['start', 'end', 'start', 'end'], lines.join('\n'));
  });

  it('waits for another run holding the lock, and takes over a lock whose run is gone', async () => {
    const env = `locktest${process.pid}`;
    const lockFile = path.join(os.tmpdir(), 'azureml-pipeline-locks', `${env}.lock`);
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    const pipeline = `jobs:\n  - deployment: Release\n    environment: ${env}\n    strategy:\n      runOnce:\n        deploy:\n          steps:\n            - script: echo "RAN deploy"\n`;
    const settings = environments(`${env}:\n  exclusiveLock: true\n`);
    // A live holder (this test process's parent stands in for another run) makes the run wait.
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, holder: 'another run' }));
    setTimeout(() => fs.rmSync(lockFile, { force: true }), 600);
    const waited = await runYaml(pipeline, { environmentsFile: settings });
    assert.equal(waited.result, 'Succeeded', waited.console);
    assert.ok(waited.lines.some((l) => l.includes(`Environment '${env}' is locked by another run`)), waited.console);
    // A holder that no longer exists does not block.
    fs.writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 1, holder: 'a crashed run' }));
    const tookOver = await runYaml(pipeline, { environmentsFile: settings });
    assert.equal(tookOver.result, 'Succeeded', tookOver.console);
    assert.ok(!tookOver.lines.some((l) => l.includes('is locked by another run')));
    assert.equal(fs.existsSync(lockFile), false, 'the lock is released after the stage');
  });

  it('refuses --approve for an environment the pipeline does not deploy to', async () => {
    await assert.rejects(runYaml(PIPELINE, { approvals: { approve: ['prd'], reject: [] } }), /--approve prd: the pipeline deploys to no environment 'prd' \(its environments: prod\)/);
  });

  it('points built-in server-task checks to gates, with the file and line', () => {
    const file = environments('prod:\n  approval: true\n  invokeRestApi:\n    url: https://example\n');
    assert.throws(
      () => readEnvironmentsFile(file),
      (err: unknown) => err instanceof PipelineFileError && /environments\.yml:3:3: the check 'invokeRestApi' runs a server task: write it under 'gates:' with 'tasks:'/.test(err.message),
    );
  });

  it('reads gates: server task steps checked like an agentless job, bad settings with their line', () => {
    const ok = readEnvironmentsFile(environments('prod:\n  gates:\n    evaluationIntervalMinutes: 2\n    tasks:\n    - task: AzureMLModelApprovalGate@1\n      inputs: { modelName: m, modelVersion: 1 }\n'));
    const gates = ok.get('prod')!.checks[0];
    assert.equal(gates.kind, 'gates');
    assert.equal(gates.kind === 'gates' && gates.intervalMinutes, 2);
    assert.throws(() => readEnvironmentsFile(environments('prod:\n  gates:\n    tasks:\n    - bash: echo no\n')), /environments\.yml:4:7: a 'bash' step cannot run in an agentless job/);
    assert.throws(() => readEnvironmentsFile(environments('prod:\n  gates:\n    timeoutMinutes: soon\n    tasks: []\n')), /environments\.yml:3:21: 'timeoutMinutes' must be a number of minutes/);
    assert.throws(() => readEnvironmentsFile(environments('prod:\n  gates:\n    interval: 5\n')), /environments\.yml:3:5: unexpected key 'interval' in 'gates'/);
  });
});
