// checkout: self copies the working copy into the job's empty sources directory, checkout: none
// leaves it empty; jobs check out implicitly, deployment hooks do not (as on the service).
import * as assert from 'node:assert/strict';
import { runYaml } from '../helpers';

const LIST = 'echo "SOURCES $(basename $(pwd)) $(ls -A | tr \'\\n\' \' \')"';

describe('runner executor: checkout', () => {
  it('copies the sources for checkout: self and implicitly, and leaves them out for checkout: none and deployments', async () => {
    const r = await runYaml(`
jobs:
  - job: Implicit
    steps:
      - script: ${LIST}
  - job: None
    dependsOn: Implicit
    steps:
      - checkout: none
      - script: ${LIST}
  - deployment: Release
    dependsOn: None
    environment: dev
    strategy:
      runOnce:
        preDeploy:
          steps:
            - script: ${LIST}
        deploy:
          steps:
            - checkout: self
            - script: ${LIST}
`);
    assert.equal(r.result, 'Succeeded', r.console);
    const listed = r.lines.filter((l) => l.startsWith('SOURCES ')).map((l) => l.trim());
    // The test's working copy holds the pipeline, an empty tasks folder (folders without files are
    // not part of a repository) and the run's own work folder, which is never copied into itself.
    assert.deepEqual(listed, ['SOURCES s azure-pipelines.yml', 'SOURCES s', 'SOURCES s', 'SOURCES s azure-pipelines.yml']);
    assert.ok(r.lines.some((l) => l.startsWith('Implicit checkout: self — 1 files of the working copy')), r.console);
  });
});
