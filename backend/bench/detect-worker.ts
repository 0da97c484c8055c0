import { parentPort, workerData } from 'node:worker_threads';
import { type Job, runJob } from './detect-work.js';

const { job, from, to, length } = workerData as { job: Job; from: number; to: number; length: number };
parentPort?.postMessage(runJob(job, from, to, length));
