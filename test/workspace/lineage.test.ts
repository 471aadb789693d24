import * as assert from 'node:assert/strict';
import { defaultJobName, pipelineTags, readPipelineRun, STEP_KEY_TAG, stepKey } from '../../tasks/common/workspace/lineage';

const VARIABLES: Record<string, string> = {
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.CollectionId': 'c0ffee00-0000-0000-0000-000000000001',
  'System.TeamProject': 'ML Ops',
  'System.TeamProjectId': 'p0000000-0000-0000-0000-000000000002',
  'Build.BuildId': '4711',
  'Build.BuildNumber': '20261123.3',
  'Build.DefinitionName': 'Train: churn model',
  'Build.Repository.Name': 'churn',
  'Build.SourceVersion': 'abc123',
  'Build.SourceBranch': 'refs/heads/main',
  'System.StageName': 'Train',
  'System.JobId': 'j0000000-0000-0000-0000-000000000003',
  'System.JobAttempt': '1',
  'System.TaskInstanceName': 'train',
};

const run = (overrides: Record<string, string | undefined> = {}) => readPipelineRun((name) => ({ ...VARIABLES, ...overrides })[name]);

describe('workspace: pipeline run identity', () => {
  it('derives a readable, valid and deterministic job name from the run, step and attempt', () => {
    const name = defaultJobName(run());
    assert.match(name, /^train_churn_model_4711_train_a1_[0-9a-f]{12}$/);
    assert.equal(defaultJobName(run()), name, 'a task-level retry gets the same name');
  });

  it('gives another attempt, step, job or organisation another name', () => {
    const names = new Set([
      defaultJobName(run()),
      defaultJobName(run({ 'System.JobAttempt': '2' })),
      defaultJobName(run({ 'System.TaskInstanceName': 'evaluate' })),
      defaultJobName(run({ 'System.JobId': 'j0000000-0000-0000-0000-000000000009' })),
      defaultJobName(run({ 'System.CollectionId': 'c0ffee00-0000-0000-0000-000000000002' })),
    ]);
    assert.equal(names.size, 5);
  });

  it('gives each attempt its own step key, so a re-run of failed jobs submits anew instead of re-attaching', () => {
    const keys = new Set([
      stepKey(run()),
      stepKey(run({ 'System.JobAttempt': '2' })),
      stepKey(run({ 'System.TaskInstanceName': 'evaluate' })),
      stepKey(run({ 'System.JobId': 'j0000000-0000-0000-0000-000000000009' })),
    ]);
    assert.equal(keys.size, 4);
    assert.equal(stepKey(run()), stepKey(run()), 'a task-level retry keeps its key and re-attaches');
    assert.notEqual(pipelineTags(run({ 'System.JobAttempt': '2' }))[STEP_KEY_TAG], pipelineTags(run())[STEP_KEY_TAG]);
  });

  it('stays a valid Azure ML name for long or odd definition names and without step variables', () => {
    const name = defaultJobName(run({ 'Build.DefinitionName': `--${'Ü'.repeat(10)}${'x'.repeat(300)}`, 'System.TaskInstanceName': undefined }));
    assert.match(name, /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/);
    assert.ok(name.length <= 255);
  });

  it('tags the job with the build, definition, repository, commit, branch, run URL and step key', () => {
    const tags = pipelineTags(run());
    assert.deepEqual(tags, {
      'azure-devops.buildId': '4711',
      'azure-devops.buildNumber': '20261123.3',
      'azure-devops.definition': 'Train: churn model',
      'azure-devops.repository': 'churn',
      'azure-devops.commit': 'abc123',
      'azure-devops.branch': 'refs/heads/main',
      'azure-devops.runUrl': 'https://dev.azure.com/contoso/ML%20Ops/_build/results?buildId=4711',
      [STEP_KEY_TAG]: stepKey(run()),
    });
  });

  it('links a release run to the release and leaves out what the run does not have', () => {
    const tags = pipelineTags(readPipelineRun((name) => ({ 'Release.ReleaseId': '12', 'Release.ReleaseWebURL': 'https://dev.azure.com/contoso/p/_releaseProgress?releaseId=12', 'Release.DefinitionName': 'Deploy' })[name]));
    assert.equal(tags['azure-devops.runUrl'], 'https://dev.azure.com/contoso/p/_releaseProgress?releaseId=12');
    assert.equal(tags['azure-devops.definition'], 'Deploy');
    assert.equal(tags['azure-devops.commit'], undefined);
  });
});
