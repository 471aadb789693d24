// The schedule translation against azure-ai-ml 1.4.0's bodies (test/fixtures/schedule-goldens, written by
// scripts/goldens/schedules.py through `npm run goldens`), without Python. Everything outside the job
// definition must agree exactly; the job definition agrees after the job goldens' normal forms for what only
// a workspace supplies (compute names, anonymous components), and one known difference: an existing job is
// sent as its ARM id (azure-ai-ml 1.4.0 sends the bare name).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { translateScheduleFile } from '../../tasks/common/jobSpec/schedule';
import { FIXTURES, scope, WS } from './helpers';

const GOLDEN_DIR = path.join(FIXTURES, 'schedule-goldens');
type Json = Record<string, unknown>;

/** Compute ARM ids and names to `compute:x`; anonymous components (a YAML dump, or a token) to one form. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'componentId' ? 'component:anonymous' : k === 'default_compute' ? `compute:${String(v).split('/').pop()}` : normalise(v)]));
  return value;
}

describe('jobSpec: schedules agree with azure-ai-ml 1.4.0', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schedule-goldens-'));
    for (const folder of [path.join(FIXTURES, 'azureml-examples', 'schedules'), path.join(FIXTURES, 'authored-schedules')]) {
      for (const name of fs.readdirSync(folder)) fs.copyFileSync(path.join(folder, name), path.join(dir, name));
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const goldens = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort();

  it('has a golden body for every schedule file of both corpora', () => {
    assert.deepEqual(goldens, ['cron-job-schedule.json', 'existing-job-schedule.json', 'recurrence-job-schedule.json', 'weekly-retraining-schedule.json']);
  });

  for (const golden of goldens) {
    it(`${golden.replace('.json', '.yml')}: every field agrees`, () => {
      const expected = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, golden), 'utf8')) as { body: { properties: Json } };
      const actual = translateScheduleFile(path.join(dir, golden.replace('.json', '.yml')), { scope }).body.properties;
      const { action: expectedAction, ...expectedRest } = expected.body.properties as { action: { jobDefinition: Json } };
      const { action: actualAction, ...actualRest } = actual as { action: { jobDefinition: Json } };
      assert.deepEqual(actualRest, expectedRest);
      const job = { ...actualAction.jobDefinition };
      if (typeof job.sourceJobId === 'string') job.sourceJobId = job.sourceJobId.replace(`${WS}/jobs/`, '');
      assert.deepEqual(normalise({ ...actualAction, jobDefinition: job }), normalise(expectedAction));
    });
  }
});
