import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { createBlobStore, datastoreSigningSecrets, openDefaultBlobStore, openSasContainer, STORAGE_SCOPE } from '../../tasks/common/workspace/datastores';
import type { Datastore } from '../../tasks/common/workspace/workspaceApi';
import { RoutingHttpClient, staticCredential } from '../common/fakes';

const DATASTORE: Datastore = { name: 'workspaceblobstore', properties: { datastoreType: 'AzureBlob', accountName: 'acct', containerName: 'azureml-blobstore-1', endpoint: 'core.windows.net', protocol: 'https' } };
const KEY = Buffer.from('a-storage-account-key-for-tests').toString('base64');

describe('workspace: the default datastore as a blob container', () => {
  it('sends through the task HttpClient, signs with the account key, and masks it', async () => {
    const http = new RoutingHttpClient()
      .on('HEAD', /\/azureml-blobstore-1\/LocalUpload\/h\/src\/train\.py$/, { status: 200, headers: { 'x-ms-meta-upload_status': 'completed', 'x-ms-meta-name': 'n1', 'x-ms-meta-version': '1' } })
      .on('HEAD', /\/missing\.py$/, { status: 404, headers: { 'x-ms-error-code': 'BlobNotFound' } });
    const maskSecret = sinon.stub();
    const store = createBlobStore(DATASTORE, { secretsType: 'AccountKey', key: KEY }, { httpClient: http, credential: staticCredential, maskSecret, retryOptions: { maxTries: 1 } });
    assert.equal(store.containerUrl, 'https://acct.blob.core.windows.net/azureml-blobstore-1');
    assert.deepEqual(await store.getMetadata('LocalUpload/h/src/train.py'), { upload_status: 'completed', name: 'n1', version: '1' });
    assert.equal(await store.getMetadata('LocalUpload/h/src/missing.py'), undefined);
    assert.match(http.requests[0].headers.get('authorization') ?? '', /^SharedKey acct:/);
    sinon.assert.calledWith(maskSecret, KEY);
  });

  it('fails an upload the service refuses, with its status', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blobstore-')), 'a.txt');
    fs.writeFileSync(file, 'abc');
    const http = new RoutingHttpClient().on('PUT', /a\.txt$/, { status: 403, headers: { 'x-ms-error-code': 'AuthorizationFailure' } });
    const store = createBlobStore(DATASTORE, { key: KEY }, { httpClient: http, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    await assert.rejects(store.uploadFile('LocalUpload/h/a.txt', file, 3), (error: { statusCode?: number }) => error.statusCode === 403);
  });

  it('sends a file as one Put Blob of exactly its bytes, streamed from disk', async () => {
    const bodies = new Map<string, Buffer>();
    const http = new RoutingHttpClient().on('PUT', /LocalUpload/, async (request) => {
      const body = typeof request.body === 'function' ? (request.body as () => NodeJS.ReadableStream)() : request.body;
      const chunks: Buffer[] = [];
      for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      bodies.set(new URL(request.url).pathname, Buffer.concat(chunks));
      assert.equal(request.headers.get('x-ms-blob-type'), 'BlockBlob');
      return { status: 201, headers: {} };
    });
    const store = createBlobStore(DATASTORE, { key: KEY }, { httpClient: http, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    const content = Buffer.from(Array.from({ length: 1_300_000 }, (_, i) => i % 251));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blobstore-'));
    fs.writeFileSync(path.join(dir, 'big.bin'), content);
    fs.writeFileSync(path.join(dir, 'empty.txt'), '');
    await store.uploadFile('LocalUpload/h/big.bin', path.join(dir, 'big.bin'), content.length);
    await store.uploadFile('LocalUpload/h/empty.txt', path.join(dir, 'empty.txt'), 0);
    assert.deepEqual(http.urls().map((url) => url.split('?')[0]), ['PUT https://acct.blob.core.windows.net/azureml-blobstore-1/LocalUpload/h/big.bin', 'PUT https://acct.blob.core.windows.net/azureml-blobstore-1/LocalUpload/h/empty.txt']);
    assert.deepEqual(bodies.get('/azureml-blobstore-1/LocalUpload/h/big.bin'), content);
    assert.equal(http.requests[0].headers.get('content-length'), String(content.length));
    assert.deepEqual(bodies.get('/azureml-blobstore-1/LocalUpload/h/empty.txt'), Buffer.alloc(0));
  });

  it('aborts a Put Blob whose file ends short of the size it had (a server would wait for the rest), and closes every stream', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blobstore-'));
    const file = path.join(dir, 'weights.bin');
    fs.writeFileSync(file, Buffer.alloc(700_000, 1));
    // As a server does: it waits for Content-Length bytes, and a body that ends short leaves it waiting until the client gives up.
    const http = new RoutingHttpClient().on('PUT', /weights\.bin/, async (request) => {
      const body = typeof request.body === 'function' ? (request.body as () => NodeJS.ReadableStream)() : request.body;
      let received = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) received += chunk.length;
      if (received === Number(request.headers.get('content-length'))) return { status: 201 };
      await new Promise((resolve, reject) => {
        const aborted = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        if (request.abortSignal?.aborted) return aborted();
        const timer = setTimeout(resolve, 5_000);
        request.abortSignal?.addEventListener('abort', () => (clearTimeout(timer), aborted()));
      });
      return { status: 408 };
    });
    const store = createBlobStore(DATASTORE, { key: KEY }, { httpClient: http, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    const nodeFs = require('node:fs') as typeof fs;
    fs.truncateSync(file, 300_000); // the file shrank after it was hashed at 700,000 bytes
    const streams = sinon.spy(nodeFs, 'createReadStream');
    try {
      const started = Date.now();
      await assert.rejects(store.uploadFile('LocalUpload/h/weights.bin', file, 700_000), (error: Error) => (assert.equal(error.name, 'AbortError', String(error)), true));
      assert.ok(Date.now() - started < 4_000, 'the request did not wait for bytes that never come');
      assert.ok(streams.callCount >= 1);
      for (const call of streams.getCalls()) assert.equal((call.returnValue as fs.ReadStream).destroyed, true);
    } finally {
      streams.restore();
    }
  });

  it('closes the file stream of every try when the service refuses the upload', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blobstore-'));
    const file = path.join(dir, 'a.bin');
    fs.writeFileSync(file, Buffer.alloc(2_000_000, 2));
    const http = new RoutingHttpClient().on('PUT', /a\.bin$/, async (request) => {
      const body = typeof request.body === 'function' ? (request.body as () => NodeJS.ReadableStream)() : request.body;
      // The service answers before it has read the whole body, as one that refuses a request may.
      (body as NodeJS.ReadableStream).read?.(0);
      return { status: 500, headers: { 'x-ms-error-code': 'InternalError' } };
    });
    const store = createBlobStore(DATASTORE, { key: KEY }, { httpClient: http, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 1 } });
    const nodeFs = require('node:fs') as typeof fs;
    const streams = sinon.spy(nodeFs, 'createReadStream');
    try {
      await assert.rejects(store.uploadFile('LocalUpload/h/a.bin', file, 2_000_000), (error: { statusCode?: number }) => error.statusCode === 500);
      assert.equal(streams.callCount, 3, 'one stream per try');
      for (const call of streams.getCalls()) assert.equal((call.returnValue as fs.ReadStream).destroyed, true);
    } finally {
      streams.restore();
    }
  });

  it('uses the SAS of a SAS datastore, and the identity when the datastore has no secrets', async () => {
    const sas = new RoutingHttpClient().on('HEAD', /\?sv=2022&sig=x$/, { status: 404 });
    const withSas = createBlobStore(DATASTORE, { secretsType: 'Sas', sasToken: '?sv=2022&sig=x' }, { httpClient: sas, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    assert.equal(await withSas.getMetadata('b'), undefined);
    assert.equal(sas.requests[0].headers.get('authorization'), undefined);

    const identity = new RoutingHttpClient().on('HEAD', /\/b$/, { status: 404 });
    const withIdentity = createBlobStore(DATASTORE, undefined, { httpClient: identity, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    assert.equal(await withIdentity.getMetadata('b'), undefined);
    assert.equal(identity.requests[0].headers.get('authorization'), 'Bearer fake-arm-token');
  });

  it("opens a container from a SAS URL (a registry's) through the task HttpClient, masking the SAS and its signature", async () => {
    const http = new RoutingHttpClient().on('GET', /\/models-1\?sv=2021&sr=c&sig=c2ln.*comp=list/, { status: 200, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs><Blob><Name>m/a.txt</Name><Properties><Content-Length>1</Content-Length></Properties></Blob></Blobs><NextMarker/></EnumerationResults>' });
    const masked: string[] = [];
    const container = openSasContainer('https://mlrsharedstore.blob.core.windows.net/models-1?sv=2021&sr=c&sig=c2ln', { httpClient: http, maskSecret: (secret) => masked.push(secret), retryOptions: { maxTries: 1 } });
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: 'm/' })) names.push(blob.name);
    assert.deepEqual(names, ['m/a.txt']);
    assert.deepEqual(masked, ['sv=2021&sr=c&sig=c2ln', 'c2ln']);
    assert.equal(http.requests[0].headers.get('authorization'), undefined, 'no token goes with a SAS');
  });

  it('refuses a default datastore that is not Azure Blob', () => {
    assert.throws(() => createBlobStore({ name: 'files', properties: { datastoreType: 'AzureFile', accountName: 'acct' } }, undefined, { httpClient: new RoutingHttpClient(), credential: staticCredential, maskSecret: () => undefined }), /default datastore 'files' is of type AzureFile/);
  });
});

describe('workspace: the one credential rule for datastores', () => {
  const withCredentials = (credentialsType?: string): Datastore => ({ ...DATASTORE, properties: { ...DATASTORE.properties, ...(credentialsType ? { credentials: { credentialsType } } : {}) } });

  it('reads secrets for every credential type but None, and none when the datastore states no type', async () => {
    const readSecrets = sinon.stub().resolves({ secretsType: 'AccountKey', key: KEY });
    assert.equal(await datastoreSigningSecrets(withCredentials('None'), readSecrets), undefined);
    assert.equal(await datastoreSigningSecrets(withCredentials(undefined), readSecrets), undefined);
    sinon.assert.notCalled(readSecrets);
    assert.deepEqual(await datastoreSigningSecrets(withCredentials('AccountKey'), readSecrets), { secretsType: 'AccountKey', key: KEY });
    await datastoreSigningSecrets(withCredentials('Sas'), readSecrets);
    await datastoreSigningSecrets(withCredentials('ServicePrincipal'), readSecrets);
    assert.deepEqual(readSecrets.getCalls().map((call) => call.args[0]), ['workspaceblobstore', 'workspaceblobstore', 'workspaceblobstore']);
  });

  it('opens an identity-based default datastore with the connection token for the storage scope', async () => {
    const http = new RoutingHttpClient().on('HEAD', /\/b$/, { status: 404 });
    const scopes: string[] = [];
    const credential = { getToken: async (scope: string | string[]) => (scopes.push(...[scope].flat()), { token: 'storage-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const datastoreSecrets = sinon.stub().rejects(new Error('an identity-based datastore has no secrets'));
    const store = await openDefaultBlobStore({ defaultDatastore: async () => withCredentials('None'), datastoreSecrets }, { httpClient: http, credential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    assert.equal(await store.getMetadata('b'), undefined);
    assert.equal(http.requests[0].headers.get('authorization'), 'Bearer storage-token');
    assert.deepEqual(scopes, [STORAGE_SCOPE]);
    assert.equal(STORAGE_SCOPE, 'https://storage.azure.com/.default');
    sinon.assert.notCalled(datastoreSecrets);
  });

  it('signs with the account key that listSecrets returns', async () => {
    const http = new RoutingHttpClient().on('HEAD', /\/b$/, { status: 404 });
    const store = await openDefaultBlobStore({ defaultDatastore: async () => withCredentials('AccountKey'), datastoreSecrets: async () => ({ secretsType: 'AccountKey', key: KEY }) }, { httpClient: http, credential: staticCredential, maskSecret: () => undefined, retryOptions: { maxTries: 1 } });
    await store.getMetadata('b');
    assert.match(http.requests[0].headers.get('authorization') ?? '', /^SharedKey acct:/);
  });
});
