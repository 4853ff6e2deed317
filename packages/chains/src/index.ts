export * from './types.js';
export * from './errors.js';
export * from './keys.js';
export * from './registry.js';
