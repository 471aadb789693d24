import * as assert from 'node:assert/strict';
import { runYaml, CLIENT_SECRET } from './helpers';

describe('runner: secret masking', () => {
  it('masks a secret set with issecret, printed by a later script, in the console and the report', async () => {
    const r = await runYaml(`
steps:
  - script: |
      echo "##vso[task.setvariable variable=apiKey;issecret=true]Tr0ub4dor-3"
    name: makeSecret
  - script: |
      echo "the key is $(apiKey)"
      echo "##vso[task.setvariable variable=echoed;isOutput=true]key=$(apiKey)"
    name: printSecret
`);
    assert.equal(r.result, 'Succeeded');
    assert.ok(!r.console.includes('Tr0ub4dor-3'), r.console);
    assert.ok(r.console.includes('the key is ***'));
    assert.ok(!r.reportText.includes('Tr0ub4dor-3'));
    assert.match(r.reportText, /"echoed": "key=\*\*\*"/);
  });

  it('masks values registered with task.setsecret, the connection secret and --secret variables', async () => {
    const r = await runYaml(
      `
steps:
  - task: Leaky@1
    inputs:
      azureSubscription: my-connection
  - script: echo "mapped=$MAPPED"
    env:
      MAPPED: $(dbPassword)
`,
      {
        secrets: { dbPassword: 'pa55-w0rd!' },
        tasks: [
          {
            name: 'Leaky',
            inputs: [{ name: 'azureSubscription', type: 'connectedService:AzureRM' }],
            script: `
const id = process.env.INPUT_AZURESUBSCRIPTION;
console.log('##vso[task.setsecret]token-abc-123');
console.log('token: token-abc-123');
console.log('spn key: ' + process.env['ENDPOINT_AUTH_PARAMETER_' + id + '_SERVICEPRINCIPALKEY']);
console.log('as json: ' + JSON.stringify({ k: 'token-abc-123' }));
console.log('base64: ' + Buffer.from('token-abc-123').toString('base64'));
`,
          },
        ],
      },
    );
    for (const secret of ['token-abc-123', CLIENT_SECRET, 'pa55-w0rd!', Buffer.from('token-abc-123').toString('base64')]) {
      assert.ok(!r.console.includes(secret), `console shows ${secret}`);
      assert.ok(!r.reportText.includes(secret), `report shows ${secret}`);
    }
    assert.ok(r.console.includes('token: ***'));
    assert.ok(r.console.includes('spn key: ***'));
    assert.ok(r.console.includes('mapped=***'));
  });

  it('does not hand secret variables to scripts unless mapped through env', async () => {
    const r = await runYaml(
      `
steps:
  - script: echo "unmapped=[$DBPASSWORD] secretvar=[$SECRET_DBPASSWORD]"
`,
      { secrets: { dbPassword: 'pa55-w0rd!' } },
    );
    assert.ok(r.console.includes('unmapped=[] secretvar=[]'), r.console);
  });
});
