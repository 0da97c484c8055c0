/**
 * The LSTM member on NAB, on the detection service's schedule: a file is one series in its own group (NAB
 * files share no group), a model is trained once 720 points exist on the last 2,880 values (the service's
 * minPoints and LSTM_HISTORY), retrained every 1,440 points (daily at one-minute steps), and streams its
 * forecast error point by point with the recurrent state carried along; before the first model it says
 * nothing (0), as in the service. Raw errors are then calibrated like every other member.
 */
import { silentLogger } from '../src/platform/logger.js';
import {
  createGroupRunner,
  DEFAULT_LSTM,
  type GroupRunner,
  loadTensorflow,
  normOf,
  trainForecaster,
} from '../src/detect/index.js';

const MIN_POINTS = 720;
const HISTORY = 2880;
const RETRAIN_EVERY = 1440;

export async function lstmRawErrors(values: Float64Array): Promise<Float64Array> {
  const { tf } = await loadTensorflow({ prefer: 'wasm', logger: silentLogger });
  const out = new Float64Array(values.length);
  let runner: GroupRunner | undefined;
  let trainedAt = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (i >= MIN_POINTS && i - trainedAt >= RETRAIN_EVERY) {
      const recent = values.slice(Math.max(0, i - HISTORY), i);
      const result = await trainForecaster(tf, [recent], DEFAULT_LSTM);
      runner?.dispose();
      runner = createGroupRunner(tf, {
        weights: result.weights,
        series: ['s'],
        norms: [normOf(recent)],
        backend: 'wasm',
        loss: result.loss,
        trainedAt: i,
      });
      // Warm the recurrent state on the last points, as the service does after installing a model.
      runner.step(new Map([['s', recent.slice(-64)]]), { warmUp: true });
      trainedAt = i;
    }
    out[i] = runner ? (runner.step(new Map([['s', values.subarray(i, i + 1)]])).get('s')?.[0] ?? 0) : 0;
  }
  runner?.dispose();
  return out;
}
