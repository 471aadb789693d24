import * as assert from 'node:assert/strict';
import { metricVariableNames } from '../../tasks/common/job/metrics';

describe('job: metrics', () => {
  it('names output variables metric_<name> with unsafe characters replaced and collisions numbered', () => {
    assert.deepEqual(metricVariableNames(['accuracy', 'train/loss', 'val loss', 'F1.score', 'Train_Loss', 'train-loss']), {
      accuracy: 'metric_accuracy',
      'train/loss': 'metric_train_loss',
      'val loss': 'metric_val_loss',
      'F1.score': 'metric_F1_score',
      Train_Loss: 'metric_Train_Loss_2',
      'train-loss': 'metric_train_loss_3',
    });
  });
});
