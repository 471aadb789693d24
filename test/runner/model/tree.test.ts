// The document tree: positions in every node, text kept as written, and the limits on input.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../../runner/errors';
import { MAX_PIPELINE_FILE_BYTES, parseTree, readTreeFile } from '../../../runner/model/tree';
import { tempDir } from '../helpers';

describe('runner model: the document tree', () => {
  it('keeps scalars as written and every node with its file, line and column', () => {
    const tree = parseTree('a: 01\nb:\n  - true\n  -\n', 'p.yml');
    assert.equal(tree.kind, 'map');
    if (tree.kind !== 'map') return;
    assert.deepEqual(tree.items[0].value, { kind: 'scalar', value: '01', position: { file: 'p.yml', line: 1, column: 4 } });
    const list = tree.items[1].value;
    assert.equal(list.kind, 'seq');
    if (list.kind !== 'seq') return;
    assert.deepEqual(list.items[0], { kind: 'scalar', value: 'true', position: { file: 'p.yml', line: 3, column: 5 } });
    assert.equal(list.items[1].kind === 'scalar' && list.items[1].value, null);
  });

  it(`refuses files over ${MAX_PIPELINE_FILE_BYTES / 1024 / 1024} MB before reading them`, () => {
    const file = path.join(tempDir(), 'huge.yml');
    fs.writeFileSync(file, `# ${'x'.repeat(MAX_PIPELINE_FILE_BYTES)}\n`);
    assert.throws(() => readTreeFile(file), (err: unknown) => err instanceof UserError && /huge\.yml is larger than 2 MB/.test(err.message));
  });

  it('names a missing pipeline file', () => {
    assert.throws(() => readTreeFile('/nonexistent/azure-pipelines.yml'), /cannot read the pipeline file \/nonexistent\/azure-pipelines\.yml: ENOENT/);
  });
});
