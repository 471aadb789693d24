// What README.md and the Marketplace overview tell a user they can install today: every packaged task is in the
// overview's task table, and neither page's "planned" text names what a packaged task already does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, SOURCE_TASKS_ROOT, listTaskFolders, readTaskJson } from '../../scripts/taskFolders';

const read = (name: string) => fs.readFileSync(path.join(REPO_ROOT, name), 'utf8');

/** What a task does, as a page's planned text would name it. */
const FEATURE_OF_TASK: Record<string, RegExp> = {
  AzureMLBatchScoreV1: /batch (endpoint|scoring)/i,
  AzureMLScheduleV1: /schedul/i,
};

/** The sentence that says what is planned: README's intro line, the overview's Planned section; empty when nothing is. */
function plannedText(page: string): string {
  const planned = /(?:^|\n)(?:Planned, not in this version:[^\n]*|## Planned\n[\s\S]*?(?=\n## |$))/.exec(page);
  return planned?.[0] ?? '';
}

describe('docs: README and overview match the tasks in this version', () => {
  const tasks = listTaskFolders(SOURCE_TASKS_ROOT).map((t) => ({ folder: t.folder, json: readTaskJson(t.dir) as { name: string; version: { Major: number } } }));

  it('lists every task in the overview', () => {
    const overview = read('overview.md');
    for (const { json } of tasks) assert.match(overview, new RegExp(`\\*\\*${json.name}@${json.version.Major}\\*\\*`), `${json.name}@${json.version.Major} is missing from overview.md`);
  });

  it('finds the planned text where the pages write it', () => {
    assert.match(plannedText('intro\nPlanned, not in this version: batch endpoints.\n'), /batch endpoints/);
    assert.match(plannedText('# x\n## Planned\n\nSchedules.\n## Permissions\n'), /Schedules/);
    assert.equal(plannedText('# x\n## Permissions\n'), '');
  });

  it('plans nothing a packaged task already does', () => {
    for (const page of ['README.md', 'overview.md']) {
      const planned = plannedText(read(page));
      for (const { folder } of tasks) {
        const feature = FEATURE_OF_TASK[folder];
        if (feature) assert.doesNotMatch(planned, feature, `${page} still plans what ${folder} does: ${planned.trim()}`);
      }
    }
  });
});
