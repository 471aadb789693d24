// The task's translation of every job file of both corpora (the shared azureml-examples copy and the
// files authored here) against the REST body azure-ai-ml 1.4.0 builds for it (test/fixtures/goldens,
// made by `npm run goldens`), field by field after goldenNormalise.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { translateJobFile, type JobTranslation } from '../../tasks/common/jobSpec/translate';
import { JobSpecError } from '../../tasks/common/jobSpec/yamlSource';
import { differences, normalise } from './goldenNormalise';
import { AUTHORED_CORPUS, AUTHORED_GOLDENS, GOLDENS, SHARED_CORPUS, corpusJobFiles, scope } from './helpers';

interface Corpus {
  name: string;
  dir: string;
  goldens: string;
  /** Exact counts: job files (one golden each), bodies azure-ai-ml builds, and the files the task refuses. */
  files: number;
  bodies: number;
  refusedByTask: string[];
}

const CORPORA: Corpus[] = [
  { name: 'azureml-examples', dir: SHARED_CORPUS, goldens: GOLDENS, files: 60, bodies: 56, refusedByTask: [] },
  // sweep-step/pipeline.yml is refused by azure-ai-ml 1.4.0 too, so it has no body.
  { name: 'authored', dir: AUTHORED_CORPUS, goldens: AUTHORED_GOLDENS, files: 26, bodies: 25, refusedByTask: [] },
];

interface Golden {
  file: string;
  sdk: string;
  overrides: Record<string, string>;
  body?: { properties: Record<string, unknown> };
  refused?: string;
}

/** The goldens of one corpus: the shared corpus's folder holds the authored corpus's, which are not its own. */
function goldenFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return full === AUTHORED_GOLDENS && dir === GOLDENS ? [] : goldenFiles(full);
    return e.name.endsWith('.json') ? [full] : [];
  });
}

/** Drops what only the CLI's operations layer adds (see goldenNormalise.ts). */
function withoutOperationDefaults(ours: Record<string, unknown>, golden: Record<string, unknown>): Record<string, unknown> {
  const out = { ...ours };
  for (const key of ['experimentName', 'displayName']) if (!(key in golden)) delete out[key];
  return out;
}

for (const corpus of CORPORA) describe(`jobSpec: golden payloads from azure-ai-ml (${corpus.name} corpus)`, () => {
  const CORPUS = corpus.dir;
  const goldens = goldenFiles(corpus.goldens).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Golden).sort((a, b) => a.file.localeCompare(b.file));

  it('has a golden for every corpus job file and the corpus file for every golden', () => {
    assert.deepEqual(goldens.map((g) => g.file), corpusJobFiles(CORPUS), 'rerun npm run goldens after changing the corpus');
    assert.equal(goldens.length, corpus.files);
    assert.equal(goldens.filter((g) => g.body).length, corpus.bodies);
  });

  it('agrees field by field with every golden body it translates', () => {
    const agreeing: string[] = [];
    const disagreeing: Record<string, string[]> = {};
    const refusedByUs: Record<string, string> = {};
    for (const golden of goldens.filter((g) => g.body)) {
      const file = path.join(CORPUS, golden.file);
      // Placeholders such as compute: <ATTACHED_SPARK_POOL_NAME> pass azure-ai-ml unchecked (Azure refuses
      // them); the task refuses them at once. Both sides get the same real name instead.
      const given: Record<string, string> = { ...golden.overrides };
      const replacePlaceholder = (holder: Record<string, unknown>, overridePath: string): void => {
        if (!/^<[A-Z_]+>$/.test(String(holder.computeId))) return;
        holder.computeId = 'placeholder-compute';
        given[overridePath] = 'azureml:placeholder-compute';
      };
      replacePlaceholder(golden.body!.properties, 'compute');
      for (const [step, node] of Object.entries((golden.body!.properties.jobs ?? {}) as Record<string, Record<string, unknown>>)) replacePlaceholder(node, `jobs.${step}.compute`);
      const overrides = Object.entries(given).map(([key, value]) => ({ path: key.split('.'), value, label: `golden override ${key}` }));
      let translation: JobTranslation;
      try {
        translation = translateJobFile(file, { scope, overrides, defaultExperimentName: 'corpus' });
      } catch (err) {
        if (!(err instanceof JobSpecError)) throw err;
        refusedByUs[golden.file] = err.message.slice(err.location.length + 2);
        continue;
      }
      const side = { baseDir: path.dirname(file), corpusRoot: CORPUS };
      const expected = normalise(golden.body!.properties, side) as Record<string, unknown>;
      const actual = normalise(withoutOperationDefaults(translation.body.properties, golden.body!.properties), { ...side, translation });
      const diff = differences(expected, actual);
      if (diff.length) disagreeing[golden.file] = diff;
      else agreeing.push(golden.file);
    }
    const bodies = goldens.filter((g) => g.body).length;
    console.log(`      goldens: ${goldens.length} files, ${bodies} bodies from ${goldens[0]?.sdk}; ${agreeing.length} agree, ${Object.keys(disagreeing).length} differ, ${Object.keys(refusedByUs).length} refused by the task`);
    for (const [file, diff] of Object.entries(disagreeing)) console.log(`      differs ${file}:\n        ${diff.slice(0, 6).join('\n        ')}`);
    const reasons = new Map<string, number>();
    for (const why of Object.values(refusedByUs)) {
      const reason = why.replace(/'[^']*'/g, "'…'").split(';')[0];
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) console.log(`      refused by the task ${count}: ${reason}`);
    assert.deepEqual(Object.keys(disagreeing), [], 'every body the task translates must agree with azure-ai-ml\'s in every field');
    assert.deepEqual(Object.keys(refusedByUs), corpus.refusedByTask, 'the task refuses exactly these files of those azure-ai-ml translates');
    assert.equal(agreeing.length, bodies - corpus.refusedByTask.length);
  });
});
