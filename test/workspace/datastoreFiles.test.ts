import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDatastoreFiles } from '../../tasks/common/workspace/datastoreFiles';
import { isUserError } from '../../tasks/common/platform/userError';
import type { Datastore } from '../../tasks/common/workspace/workspaceApi';
import { RoutingHttpClient, staticCredential } from '../common/fakes';

const DATASTORE: Datastore = { name: 'workspaceblobstore', properties: { datastoreType: 'AzureBlob', accountName: 'acct', containerName: 'models', endpoint: 'core.windows.net', protocol: 'https', credentials: { credentialsType: 'None' } } };

/** A List Blobs answer (the storage service's XML) naming these blobs. */
function listing(names: string[]) {
  const blobs = names.map((name) => `<Blob><Name>${name}</Name><Properties><Content-Length>3</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>`).join('');
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://acct.blob.core.windows.net/" ContainerName="models"><Blobs>${blobs}</Blobs><NextMarker/></EnumerationResults>` };
}

function files(names: string[]) {
  const http = new RoutingHttpClient().on('GET', /\/models\?.*comp=list/, listing(names));
  return createDatastoreFiles({ getDatastore: async (name) => (name === DATASTORE.name ? DATASTORE : undefined), datastoreSecrets: async () => ({}), httpClient: http, credential: staticCredential, maskSecret: () => undefined });
}

describe('workspace: datastore files', () => {
  it('lists a folder by the paths below it, and a file as ""', async () => {
    assert.deepEqual(await files(['m/MLmodel', 'm/sub/w.pkl', 'mx/other']).list({ datastore: 'workspaceblobstore', path: 'm/' }, 10), ['MLmodel', 'sub/w.pkl']);
    assert.deepEqual(await files(['m/model.pkl']).list({ datastore: 'workspaceblobstore', path: 'm/model.pkl' }, 10), ['']);
  });

  it('refuses to download a blob whose name would leave the target folder', async () => {
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'datastore-files-')), 'copy');
    await assert.rejects(files(['m/../../evil.sh']).download({ datastore: 'workspaceblobstore', path: 'm/' }, target), (error: Error) => isUserError(error) && /'\.\.' path segment/.test(error.message));
    assert.equal(fs.existsSync(path.join(target, '..', '..', 'evil.sh')), false);
  });

  it('says which datastore is missing', async () => {
    await assert.rejects(files([]).list({ datastore: 'gone', path: 'm/' }, 1), /Datastore 'gone' was not found/);
  });
});
