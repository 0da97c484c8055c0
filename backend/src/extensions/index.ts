export * from './registries.js';
export * from './loader.js';
