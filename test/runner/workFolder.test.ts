// Issue 13 item 8: the runner removes the temporary work folder it made, unless asked to keep it;
// a work folder the user named is never removed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPipeline } from '../../runner/index';
import { fakeTarget, tempDir } from './helpers';

async function run(options: { keepWork?: boolean; workFolder?: string } = {}) {
  const dir = tempDir();
  const pipelineFile = path.join(dir, 'azure-pipelines.yml');
  fs.writeFileSync(pipelineFile, 'steps:\n  - script: echo "work=$(Agent.WorkFolder)"\n');
  const lines: string[] = [];
  const outcome = await runPipeline({ pipelineFile, target: fakeTarget(), tasksDirectory: dir, sink: (l) => lines.push(l), ...options });
  assert.equal(outcome.result, 'Succeeded', lines.join('\n'));
  const printed = lines.find((l) => l.startsWith('work='))!.slice('work='.length);
  assert.equal(printed, outcome.report.workFolder);
  return outcome.report;
}

describe('runner: the work folder', () => {
  it('removes the temporary work folder at exit', async () => {
    const report = await run();
    assert.equal(fs.existsSync(report.workFolder), false);
    assert.equal(report.workFolderKept, false);
  });

  it('keeps it with keepWork (--keep-work)', async () => {
    const report = await run({ keepWork: true });
    assert.ok(fs.existsSync(path.join(report.workFolder, '1', 's')) || fs.existsSync(path.join(report.workFolder, '1')));
    assert.equal(report.workFolderKept, true);
    fs.rmSync(report.workFolder, { recursive: true, force: true });
  });

  it('never removes a work folder the user named (--work)', async () => {
    const workFolder = path.join(tempDir(), 'agent-work');
    const report = await run({ workFolder });
    assert.equal(report.workFolder, workFolder);
    assert.ok(fs.existsSync(workFolder));
  });
});
