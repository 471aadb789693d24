// Batch bodies against azure-ai-ml's own (test/fixtures/batch-goldens, written by `npm run goldens` with
// azure-ai-ml 1.4.0: load_batch_endpoint/_to_rest_batch_endpoint, load_batch_deployment/_to_rest_object), field
// by field. azure-ai-ml resolves references only against a workspace, so ours are compared by the name and version
// they resolve (the golden keeps them as written), and its authMode "aadToken" is the REST enum AADToken ours sends.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finalizeBatchEndpoint, finalizeDeployment, translateBatchDeploymentFile, translateBatchEndpointFile } from '../../tasks/common/deploySpec';
import { WS, fakeResolutions, scope } from './helpers';

const fixtures = path.resolve(__dirname, '..', 'fixtures');
const CORPORA: Array<[string, string]> = [
  [path.join(fixtures, 'azureml-examples', 'endpoints', 'batch'), path.join(fixtures, 'batch-goldens', 'azureml-examples')],
  [path.join(fixtures, 'authored-batch'), path.join(fixtures, 'batch-goldens', 'authored')],
];

interface Golden {
  file: string;
  resource: 'endpoint' | 'deployment';
  body?: Record<string, unknown>;
  refused?: string;
}

function goldens(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? goldens(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []));
}

/** Our resolved ids written back the way azure-ai-ml leaves them before resolving. */
function asWritten(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const asset = new RegExp(`^${WS.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/(models|environments|codes|computes)/([^/]+)(?:/versions/([^/]+))?$`).exec(value);
  if (!asset) return value;
  const [, type, name, version] = asset;
  if (type === 'computes') return name;
  // CodeConfiguration keeps its azureml: prefix; model and environment ids lose it.
  return `${type === 'codes' ? 'azureml:' : ''}${name}:${version}`;
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'authMode' && typeof v === 'string' ? v.toLowerCase() : normalise(v)]));
  return asWritten(value);
}

/** Every differing leaf, as path: ours vs theirs. */
function differences(ours: unknown, theirs: unknown, at = ''): string[] {
  if (ours && theirs && typeof ours === 'object' && typeof theirs === 'object' && !Array.isArray(ours)) {
    const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)]);
    return [...keys].sort().flatMap((k) => differences((ours as Record<string, unknown>)[k], (theirs as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [`${at}: ours ${JSON.stringify(ours)}, azure-ai-ml ${JSON.stringify(theirs)}`];
}

describe('deploySpec: batch bodies against azure-ai-ml goldens', () => {
  for (const [corpus, out] of CORPORA) {
    for (const file of goldens(out).sort()) {
      const golden = JSON.parse(fs.readFileSync(file, 'utf8')) as Golden;
      if (!golden.body) continue;
      it(`${path.relative(fixtures, corpus)}/${golden.file}`, () => {
        const yaml = path.join(corpus, golden.file);
        let ours: unknown;
        if (golden.resource === 'endpoint') {
          ours = finalizeBatchEndpoint(translateBatchEndpointFile(yaml, { scope }), 'westeurope');
        } else {
          const t = translateBatchDeploymentFile(yaml, { scope });
          ours = finalizeDeployment(t, fakeResolutions(t), scope).body;
        }
        assert.deepEqual(differences(normalise(ours), normalise(golden.body)), []);
      });
    }
  }

  it('covers every golden with a body, and the refusals are the newer forms azure-ai-ml 1.4 does not read', () => {
    const all = CORPORA.flatMap(([, out]) => goldens(out).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Golden));
    assert.equal(all.filter((g) => g.body).length, 6);
    for (const g of all.filter((x) => x.refused)) assert.match(g.refused ?? '', /settings|environment/, g.file);
  });
});
