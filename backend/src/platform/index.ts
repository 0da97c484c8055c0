export * from './errors.js';
export * from './logger.js';
export * from './clock.js';
export * from './ids.js';
export * from './registry.js';
