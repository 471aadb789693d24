import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  IgnoreRules,
  SnapshotError,
  codeVersionBody,
  compileGitWildMatch,
  datastoreUri,
  isUploadCompleted,
  prepareSnapshot,
  uploadCompletedMetadata,
} from '../../tasks/common/workspace/snapshot';
import * as sinon from 'sinon';
import type { BlobStore } from '../../tasks/common/workspace/datastores';
import { uploadSnapshot } from '../../tasks/common/workspace/uploader';
import { UserError } from '../../tasks/common/platform/userError';
import { writeTree } from '../jobSpec/helpers';

/** A code folder exercising .amlignore precedence, negation, folder patterns and an empty folder. */
function codeFixture(): string {
  const root = writeTree({
    'code/.amlignore': '*.log\n__pycache__/\n!keep.log\n',
    'code/.gitignore': 'train.py\n', // not used: .amlignore wins
    'code/train.py': "print('hello')\n",
    'code/Readme.md': '# demo\n',
    'code/run.log': 'noise\n',
    'code/keep.log': 'kept\n',
    'code/data/a.csv': 'x,y\n1,2\n',
    'code/data/B.csv': 'x,y\n3,4\n',
    'code/__pycache__/m.cpython-311.pyc': Buffer.from([0, 1]),
  });
  fs.mkdirSync(path.join(root, 'code', 'empty'));
  return path.join(root, 'code');
}

describe('workspace: code snapshots as azure-ai-ml makes them', () => {
  // The expected hashes were derived by following _asset_utils.py step by step and cross-checked by
  // re-deriving the same steps in a throwaway Python script over an identical folder:
  //  get_object_hash = md5(b"Initialize for october 2021 AML CLI version"), then for each entry of each
  //    directory in lower-cased path order, skipping entries the ignore file excludes: its name, then a
  //    file's bytes or the directory's entries. Here: .amlignore .gitignore __pycache__ (the folder name is
  //    hashed; "__pycache__/" only matches paths below it) data a.csv B.csv empty keep.log Readme.md train.py.
  //  get_content_hash = sha256("7"), then "#<relative path>#<size>" for the 7 uploaded files in lower-cased
  //    path order, then their bytes in the same order (empty folders and excluded files play no part).
  it('pins the md5 object hash, the sha256 content hash, the file list and the blob layout', () => {
    const code = codeFixture();
    const snapshot = prepareSnapshot(code);
    assert.equal(snapshot.objectHash, 'e840f5859d30824e43177124fe125820');
    assert.equal(snapshot.contentHash, 'addb75e6fbe366eac0b7ad4a6586b6f3d8f203d9c5d7187b7bba990995bb3776');
    assert.equal(snapshot.ignoreFile, path.join(code, '.amlignore'));
    assert.equal(snapshot.blobPrefix, 'LocalUpload/e840f5859d30824e43177124fe125820/code');
    assert.deepEqual(
      snapshot.blobs.map((b) => [b.blobName.slice(snapshot.blobPrefix.length + 1), b.size]),
      [['.amlignore', 29], ['.gitignore', 9], ['data/a.csv', 8], ['data/B.csv', 8], ['keep.log', 5], ['Readme.md', 7], ['train.py', 15]],
    );
    // upload_directory sorts (local path, blob) pairs and marks the first blob.
    assert.equal(snapshot.indicatorBlob, `${snapshot.blobPrefix}/.amlignore`);
    assert.equal(snapshot.totalBytes, 81);
  });

  it('hashes a single file without its name in the md5, and uploads it as LocalUpload/<hash>/<file name>', () => {
    const file = path.join(writeTree({ 'single.py': "print('hello')\n" }), 'single.py');
    const snapshot = prepareSnapshot(file);
    // md5(seed + bytes); sha256("1" + "#single.py#" + "15" + bytes), as computed with hashlib.
    assert.equal(snapshot.objectHash, 'c98597554e8610efb1f68163e0dedccb');
    assert.equal(snapshot.contentHash, 'f2d30165cb9f7ac7becf2e1184256bdd7bbbe555c9ed9108fdbb769f786105cd');
    assert.equal(snapshot.indicatorBlob, 'LocalUpload/c98597554e8610efb1f68163e0dedccb/single.py');
    assert.deepEqual(codeVersionBody(snapshot, 'https://acct.blob.core.windows.net/azureml-blobstore-x/'), {
      properties: {
        codeUri: 'https://acct.blob.core.windows.net/azureml-blobstore-x/LocalUpload/c98597554e8610efb1f68163e0dedccb',
        isAnonymous: true,
        properties: { hash_sha256: snapshot.contentHash, hash_version: '202208' },
      },
    });
  });

  it('changes both hashes when a file changes, and neither when an ignored file changes', () => {
    const code = codeFixture();
    const before = prepareSnapshot(code);
    fs.writeFileSync(path.join(code, 'run.log'), 'more noise\n');
    assert.deepEqual([prepareSnapshot(code).objectHash, prepareSnapshot(code).contentHash], [before.objectHash, before.contentHash]);
    fs.writeFileSync(path.join(code, 'train.py'), "print('bye')\n");
    const after = prepareSnapshot(code);
    assert.notEqual(after.objectHash, before.objectHash);
    assert.notEqual(after.contentHash, before.contentHash);
  });

  it('uses .gitignore when there is no .amlignore, and nothing else by default', () => {
    const root = writeTree({ '.gitignore': 'secret.txt\n', 'secret.txt': 's', 'a.py': 'a', '__pycache__/x.pyc': 'x' });
    assert.deepEqual(prepareSnapshot(root).blobs.map((b) => b.blobName.split('/').slice(3).join('/')), ['.gitignore', '__pycache__/x.pyc', 'a.py']);
    // Component code (ComponentIgnoreFile) also drops __pycache__.
    assert.deepEqual(prepareSnapshot(root, ['__pycache__']).blobs.map((b) => b.blobName.split('/').slice(3).join('/')), ['.gitignore', 'a.py']);
  });

  it('matches gitwildmatch patterns as pathspec does', () => {
    const matches = (pattern: string, file: string) => compileGitWildMatch(pattern)!.regex.test(file);
    assert.ok(matches('*.log', 'a.log') && matches('*.log', 'sub/b.log') && !matches('*.log', 'a.log.txt'));
    assert.ok(matches('/build', 'build/x') && !matches('/build', 'src/build/x'));
    assert.ok(matches('docs/', 'src/docs/a.md') && !matches('docs/', 'docs'));
    assert.ok(matches('src/*.tmp', 'src/a.tmp') && !matches('src/*.tmp', 'x/src/a.tmp'));
    assert.ok(matches('**/cache', 'a/b/cache/x') && matches('a/**/b', 'a/b') && matches('a/**/b', 'a/x/y/b'));
    assert.ok(matches('[ab].txt', 'b.txt') && !matches('[ab].txt', 'c.txt') && matches('[!a].txt', 'c.txt') && !matches('[!a].txt', 'a.txt'));
    assert.ok(matches('\\#file', '#file') && matches('**/', 'a/b') && !matches('**/', 'a'));
    assert.equal(compileGitWildMatch('# comment'), undefined);
    assert.equal(compileGitWildMatch('   '), undefined);
    assert.equal(compileGitWildMatch('!keep.log')!.exclude, false);
  });

  it('lets the last matching pattern decide, so a negation re-includes a file', () => {
    const root = writeTree({ '.amlignore': 'data/\n!data/keep.csv\n', 'data/drop.csv': 'd', 'data/keep.csv': 'k', 'm.py': 'm' });
    const rules = IgnoreRules.forDirectory(root);
    assert.equal(rules.isExcluded(path.join(root, 'data/drop.csv')), true);
    assert.equal(rules.isExcluded(path.join(root, 'data/keep.csv')), false);
  });

  it('refuses a missing path and an empty folder with the messages azure-ai-ml gives', () => {
    const root = writeTree({ '.amlignore': '*\n', 'a.py': 'a' });
    assert.throws(() => prepareSnapshot(path.join(root, 'nope')), (e: unknown) => e instanceof SnapshotError && /^No such file or directory: /.test(e.message));
    assert.throws(() => prepareSnapshot(root), { message: `Directory ${root} is empty. path or local_path must be a non-empty directory.` });
  });

  it('marks uploads complete with upload_status=completed plus the asset name and version', () => {
    assert.deepEqual(uploadCompletedMetadata('3f2a', '1'), { upload_status: 'completed', name: '3f2a', version: '1' });
    assert.equal(isUploadCompleted({ upload_status: 'completed', name: 'x', version: '1' }), true);
    assert.equal(isUploadCompleted({ name: 'x' }), false);
    assert.equal(isUploadCompleted(undefined), false);
    assert.equal(datastoreUri('workspaceblobstore', 'LocalUpload/abc/data'), 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/data');
  });

  it('follows symlinks: a linked file keeps its own name and carries the bytes of its target', function () {
    const root = writeTree({ 'shared/util.py': 'u = 1\n', 'code/main.py': 'import util\n' });
    try {
      fs.symlinkSync(path.join(root, 'shared/util.py'), path.join(root, 'code/util.py'));
    } catch {
      this.skip(); // no symlink permission (Windows without developer mode)
    }
    const snapshot = prepareSnapshot(path.join(root, 'code'));
    assert.deepEqual(
      snapshot.blobs.map((b) => [b.blobName.split('/').slice(3).join('/'), path.relative(root, b.sourcePath), b.size]),
      [['main.py', 'code/main.py', 12], ['util.py', 'shared/util.py', 6]],
    );
  });
});

describe('workspace: hashing reads files in chunks; the upload reads them again and checks they did not change', () => {
  const recordingStore = (uploaded: Map<string, Buffer>, marked: string[]): BlobStore => ({
    containerUrl: 'https://acct.blob.core.windows.net/c',
    datastoreName: 'workspaceblobstore',
    getMetadata: async () => undefined,
    uploadFile: async (blobName, filePath) => void uploaded.set(blobName, fs.readFileSync(filePath)),
    setMetadata: async (blobName) => void marked.push(blobName),
  });

  it('hashes from disk in chunks, never a whole file in one Buffer (a file over 2 GiB would not fit), to the same md5 and sha256 as the whole bytes', () => {
    const root = path.join(writeTree({ 'm/config.json': '{}' }), 'm');
    // Several chunks and a ragged end, of bytes that differ everywhere (an order or offset slip changes both hashes).
    const weights = randomBytes(3 * 256 * 1024 + 12_345);
    fs.writeFileSync(path.join(root, 'weights.bin'), weights);
    const nodeFs = require('node:fs') as typeof fs;
    const reads = sinon.spy(nodeFs, 'readFileSync');
    try {
      const snapshot = prepareSnapshot(root);
      // get_object_hash, fed by hand: seed, then each entry's name and bytes in lower-cased order.
      const md5 = createHash('md5').update('Initialize for october 2021 AML CLI version').update('config.json').update('{}').update('weights.bin').update(weights);
      assert.equal(snapshot.objectHash, md5.digest('hex'));
      // get_content_hash, fed by hand: the file count, "#<path>#<size>" per file, then every file's bytes.
      const sha = createHash('sha256').update('2').update('#config.json#').update('2').update('#weights.bin#').update(String(weights.length)).update('{}').update(weights);
      assert.equal(snapshot.contentHash, sha.digest('hex'));
      assert.deepEqual(reads.getCalls().map((call) => path.basename(String(call.args[0]))).filter((name) => name === 'weights.bin'), []);
    } finally {
      reads.restore();
    }
  });

  it('uploads every file as it is on disk, then marks the upload complete', async () => {
    const root = path.join(writeTree({ 'src/train.py': 'print(1)\n', 'src/util/a.py': 'A = 1\n', 'src/data.bin': 'x'.repeat(10_000), 'src/sub dir/b.txt': 'b\n' }), 'src');
    const snapshot = prepareSnapshot(root);
    const uploaded = new Map<string, Buffer>();
    const marked: string[] = [];
    await uploadSnapshot(recordingStore(uploaded, marked), snapshot, { name: 'n', version: '1' });
    for (const blob of snapshot.blobs) assert.deepEqual(uploaded.get(blob.blobName), fs.readFileSync(blob.sourcePath));
    assert.deepEqual(marked, [snapshot.indicatorBlob]);
  });

  for (const change of ['rewritten with other bytes of the same size', 'grown', 'deleted'] as const) {
    it(`stops without marking the upload complete when a file was ${change} after hashing`, async () => {
      const root = path.join(writeTree({ 'src/a.py': 'A = 1\n', 'src/b.py': 'B = 2\n' }), 'src');
      const snapshot = prepareSnapshot(root);
      const changed = path.join(root, 'b.py');
      const changedPath = fs.realpathSync(changed);
      if (change === 'deleted') fs.rmSync(changed);
      else {
        fs.writeFileSync(changed, change === 'grown' ? 'B = 22\n' : 'B = 3\n');
        // A later modification time even where the file system's clock is coarse.
        const later = new Date(Date.now() + 5_000);
        fs.utimesSync(changed, later, later);
      }
      const uploaded = new Map<string, Buffer>();
      const marked: string[] = [];
      await assert.rejects(uploadSnapshot(recordingStore(uploaded, marked), snapshot, { name: 'n', version: '1' }), (error: Error) => {
        assert.ok(error instanceof UserError, 'a user error, without a stack trace');
        assert.ok(error.message.startsWith(`${changedPath} changed while it was being uploaded`), error.message);
        assert.match(error.message, /Nothing was marked as uploaded; run the step again/);
        return true;
      });
      assert.deepEqual(marked, []);
      assert.equal([...uploaded.keys()].some((name) => name.endsWith('/b.py')), false, 'the changed file is not sent under the old hash');
    });
  }

  it('stops when a file changes while it is being uploaded, and names it as the user gave it', async () => {
    const root = path.join(writeTree({ 'src/a.py': 'A = 1\n' }), 'src');
    const snapshot = prepareSnapshot(root);
    const marked: string[] = [];
    const store: BlobStore = {
      containerUrl: 'https://acct.blob.core.windows.net/c',
      datastoreName: 'workspaceblobstore',
      getMetadata: async () => undefined,
      uploadFile: async (_blobName, filePath) => {
        fs.appendFileSync(filePath, '# written during the upload\n');
      },
      setMetadata: async (blobName) => void marked.push(blobName),
    };
    await assert.rejects(uploadSnapshot(store, snapshot, { name: 'n', version: '1' }), (error: Error) => error instanceof UserError && error.message.startsWith(`${path.join(root, 'a.py')} changed while it was being uploaded`));
    assert.deepEqual(marked, []);
  });

  it('says the file changed, not what the transport said, when an upload fails because the file shrank', async () => {
    const root = path.join(writeTree({ 'src/a.py': 'A = 1\n'.repeat(100) }), 'src');
    const snapshot = prepareSnapshot(root);
    const store: BlobStore = {
      containerUrl: 'https://acct.blob.core.windows.net/c',
      datastoreName: 'workspaceblobstore',
      getMetadata: async () => undefined,
      uploadFile: async (_blobName, filePath) => {
        fs.truncateSync(filePath, 10);
        throw Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
      },
      setMetadata: async () => undefined,
    };
    await assert.rejects(uploadSnapshot(store, snapshot, { name: 'n', version: '1' }), (error: Error) => error instanceof UserError && /a\.py changed while it was being uploaded/.test(error.message));
  });

  it('refuses a folder where a file appeared between listing and hashing (it would be in the hash, never uploaded)', () => {
    const root = path.join(writeTree({ 'src/a.py': 'A = 1\n' }), 'src');
    const nodeFs = require('node:fs') as typeof fs;
    const realReaddir = nodeFs.readdirSync;
    // The listing reads entries with their types; the md5 pass reads plain names: a file lands in between.
    const readdir = sinon.stub(nodeFs, 'readdirSync').callsFake(((dir: fs.PathLike, options?: unknown) => {
      if (options === undefined && String(dir) === fs.realpathSync(root)) fs.writeFileSync(path.join(root, 'b.py'), 'B = 2\n');
      return (realReaddir as (d: fs.PathLike, o?: unknown) => unknown)(dir, options);
    }) as typeof fs.readdirSync);
    try {
      assert.throws(() => prepareSnapshot(root), (error: Error) => error instanceof SnapshotError && error.message === `${path.join(fs.realpathSync(root), 'b.py')} appeared while ${fs.realpathSync(root)} was being hashed. Run the step again once nothing writes to the folder.`);
    } finally {
      readdir.restore();
    }
  });

  it('takes no more files after one fails: the other lanes finish the file they are sending', async () => {
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`src/f${String(i).padStart(2, '0')}.txt`, `${i}\n`]));
    const root = path.join(writeTree(files), 'src');
    const snapshot = prepareSnapshot(root);
    let started = 0;
    const store: BlobStore = {
      containerUrl: 'https://acct.blob.core.windows.net/c',
      datastoreName: 'workspaceblobstore',
      getMetadata: async () => undefined,
      uploadFile: async (blobName) => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (blobName.endsWith('/f03.txt')) throw new Error('refused');
      },
      setMetadata: async () => undefined,
    };
    await assert.rejects(uploadSnapshot(store, snapshot, { name: 'n', version: '1' }), /refused/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(started <= 16, `${started} of 40 uploads started after one failed`);
  });
});

describe('workspace: the content hash only when asked', () => {
  it('computes the same content hash in turns (beside an upload) as at once, and keeps it', async () => {
    const root = path.join(writeTree({ 'c/big.bin': Buffer.alloc(2_500_000, 7).toString('latin1') }), 'c');
    const inTurns = prepareSnapshot(root);
    let turns = 0;
    let hashed = false;
    const otherWork = (): void => {
      if (hashed) return;
      turns++;
      setImmediate(otherWork);
    };
    setImmediate(otherWork);
    assert.equal(await inTurns.hashContentInTurns(), prepareSnapshot(root).contentHash);
    hashed = true;
    assert.equal(inTurns.contentHash, prepareSnapshot(root).contentHash);
    assert.equal(await inTurns.hashContentInTurns(), inTurns.contentHash);
    assert.equal(await prepareSnapshot(codeFixture()).hashContentInTurns(), 'addb75e6fbe366eac0b7ad4a6586b6f3d8f203d9c5d7187b7bba990995bb3776');
    assert.ok(turns >= 2, `other work ran between the 2.5 MB file's slices (${turns} turns)`);
  });

  it('computes the sha256 content hash on first use only (model uploads never use it)', () => {
    const root = path.join(writeTree({ 'm/model.pkl': 'weights' }), 'm');
    const nodeCrypto = require('node:crypto') as typeof import('node:crypto');
    const hashes = sinon.spy(nodeCrypto, 'createHash');
    try {
      const snapshot = prepareSnapshot(root);
      assert.deepEqual(hashes.getCalls().map((call) => call.args[0]), ['md5']);
      const first = snapshot.contentHash;
      assert.equal(snapshot.contentHash, first);
      assert.deepEqual(hashes.getCalls().map((call) => call.args[0]), ['md5', 'sha256']);
    } finally {
      hashes.restore();
    }
  });
});
