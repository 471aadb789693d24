import * as assert from 'node:assert/strict';
import { finalizeTranslation, substitute } from '../../tasks/common/jobSpec/finalize';
import { scope, translateYaml, WS } from './helpers';

const JOB = `
command: python train.py --data \${{inputs.data}} --one \${{inputs.one}}
code: src
environment: azureml:sklearn@latest
inputs:
  data:
    type: uri_folder
    path: ./data
  one:
    type: uri_file
    path: ./data/one.csv
`;

describe('jobSpec: finalizing a translation after uploads and lookups', () => {
  it('puts the code asset id, the datastore URIs and the @latest version into the body', () => {
    const t = translateYaml(JOB);
    const byKind = (pred: (p: (typeof t.pending)[number]) => boolean) => t.pending.find(pred)!.token;
    const folder = byKind((p) => p.kind === 'upload' && p.inputType === 'uri_folder');
    const file = byKind((p) => p.kind === 'upload' && p.inputType === 'uri_file');
    const code = byKind((p) => p.kind === 'upload' && p.purpose === 'code');
    const latest = byKind((p) => p.kind === 'latest');
    const upload = (blob: string) => ({ datastoreUri: `azureml://datastores/workspaceblobstore/paths/${blob}`, storageUrl: `https://a.blob.core.windows.net/c/${blob}`, objectHash: 'h' });
    const plan = finalizeTranslation(
      t,
      {
        uploads: {
          [folder]: upload('LocalUpload/h1/data'),
          [file]: upload('LocalUpload/h2/one.csv'),
          [code]: { ...upload('LocalUpload/h3/src'), codeAssetId: `${WS}/codes/5d1c/versions/1` },
        },
        latestVersions: { [latest]: '23' },
      },
      scope,
    );
    const p = plan.body.properties;
    assert.equal(p.codeId, `${WS}/codes/5d1c/versions/1`);
    assert.equal(p.environmentId, `${WS}/environments/sklearn/versions/23`);
    assert.deepEqual(p.inputs, {
      // azure-ai-ml appends '/' to uploaded uri_folder inputs, not to files.
      data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/h1/data/' },
      one: { jobInputType: 'uri_file', uri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/h2/one.csv' },
    });
  });

  it('versions a docker-build environment from its context upload hash and dockerfile path', () => {
    const t = translateYaml('command: echo\nenvironment:\n  build:\n    path: ./ctx\n    dockerfile_path: Dockerfile.gpu\n');
    const [context] = t.pending;
    const plan = finalizeTranslation(
      t,
      {
        uploads: { [context.token]: { datastoreUri: 'azureml://x', storageUrl: 'https://a.blob.core.windows.net/c/LocalUpload/0123/ctx', objectHash: '0123456789abcdef0123456789abcdef' } },
        latestVersions: {},
      },
      scope,
    );
    // md5(md5(upload hash).join(md5("Dockerfile.gpu"))), computed with Python's hashlib.
    assert.deepEqual(plan.environments, [
      {
        name: 'CliV2AnonymousEnvironment',
        version: '01ecdee75f18995ffa3aa9befcf06952',
        token: `${WS}/environments/CliV2AnonymousEnvironment/versions/01ecdee75f18995ffa3aa9befcf06952`,
        body: {
          properties: {
            build: { contextUri: 'https://a.blob.core.windows.net/c/LocalUpload/0123/ctx/', dockerfilePath: 'Dockerfile.gpu' },
            isAnonymous: true,
          },
        },
      },
    ]);
    assert.equal(plan.body.properties.environmentId, plan.environments[0].token);
  });

  it('fails loudly on a token nobody resolved (a caller bug, not a user error)', () => {
    assert.throws(() => substitute({ a: '<pending:upload:code#1>' }, new Map()), /unresolved placeholder <pending:upload:code#1>/);
    assert.throws(() => finalizeTranslation(translateYaml(JOB), { uploads: {}, latestVersions: {} }, scope), /has no result|no version was resolved/);
  });
});
