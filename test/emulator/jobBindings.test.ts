import { strict as assert } from 'node:assert';
import { parseBinding, substituteCommand } from '../../emulator/src/jobs/bindings';

describe('emulator jobs: Azure ML expressions', () => {
  const values = { inputs: { lr: '0.01', data: '/mnt/inputs/data' }, outputs: { model: '/mnt/outputs/model' } };

  it('substitutes ${{inputs.x}} and ${{outputs.y}}, with or without inner spaces', () => {
    assert.equal(substituteCommand('python train.py --lr ${{inputs.lr}} --data ${{ inputs.data }} --out ${{outputs.model}}', values), 'python train.py --lr 0.01 --data /mnt/inputs/data --out /mnt/outputs/model');
  });

  it('keeps a $[[...]] block only when its inputs were given', () => {
    assert.equal(substituteCommand('run $[[--lr ${{inputs.lr}}]] $[[--seed ${{inputs.seed}}]]', values), 'run --lr 0.01 ');
  });

  it('refuses a reference the job does not define, listing what it has', () => {
    assert.throws(() => substituteCommand('echo ${{inputs.missing}}', values), /\$\{\{inputs\.missing\}\}, which the job does not define \(it has: inputs\.lr, inputs\.data, outputs\.model\)/);
    assert.throws(() => substituteCommand('echo ${{parent.inputs.lr}}', values), /parent\.inputs\.lr/);
  });

  it('parses pipeline bindings that make up the whole value', () => {
    assert.deepEqual(parseBinding('${{parent.inputs.lr}}'), { kind: 'parentInput', name: 'lr' });
    assert.deepEqual(parseBinding(' ${{ parent.jobs.prep.outputs.data }} '), { kind: 'stepOutput', step: 'prep', name: 'data' });
    assert.deepEqual(parseBinding('${{parent.outputs.model}}'), { kind: 'parentOutput', name: 'model' });
    assert.equal(parseBinding('prefix ${{parent.inputs.lr}}'), undefined);
    assert.equal(parseBinding(3), undefined);
  });
});
