/** Log sources: pod logs through the Kubernetes API, and Loki. */
export { createPodLogSource, type PodLogSourceOptions } from './kubernetes.js';
export { createLokiLogSource, type LokiSourceOptions } from './loki.js';
export { parseLevel } from './level.js';
