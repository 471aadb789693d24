import { strict as assert } from 'node:assert';
import { MAX_TRIALS, sampleTrials } from '../../emulator/src/jobs/sweepRun';

describe('emulator jobs: sweep sampling', () => {
  it('walks the choice grid in order', () => {
    const samples = sampleTrials({ lr: ['choice', [[0.1, 0.01]]], depth: ['choice', [[2, 4]]] }, { samplingAlgorithmType: 'Grid' }, MAX_TRIALS);
    assert.deepEqual(samples, [
      { lr: '0.1', depth: '2' },
      { lr: '0.1', depth: '4' },
      { lr: '0.01', depth: '2' },
      { lr: '0.01', depth: '4' },
    ]);
  });

  it('samples at random within each distribution, repeatably for a seed', () => {
    const space = { lr: ['uniform', [0.01, 0.1]], units: ['randint', [8]], batch: ['quniform', [16, 128, 16]] };
    const samples = sampleTrials(space, { samplingAlgorithmType: 'Random', seed: 7 }, 3);
    assert.equal(samples.length, 3);
    for (const s of samples) {
      assert.ok(Number(s.lr) >= 0.01 && Number(s.lr) <= 0.1, s.lr);
      assert.ok(Number.isInteger(Number(s.units)) && Number(s.units) >= 0 && Number(s.units) < 8, s.units);
      assert.equal(Number(s.batch) % 16, 0, s.batch);
    }
    assert.deepEqual(sampleTrials(space, { samplingAlgorithmType: 'Random', seed: 7 }, 3), samples);
  });

  it('refuses grid sampling over continuous distributions and unknown distributions', () => {
    assert.throws(() => sampleTrials({ lr: ['uniform', [0, 1]] }, { samplingAlgorithmType: 'Grid' }, 2), /Grid sampling needs choice distributions; search_space.lr/);
    assert.throws(() => sampleTrials({ lr: ['beta', [1, 2]] }, { samplingAlgorithmType: 'Random' }, 1), /search_space.lr: unknown distribution 'beta'/);
  });
});
