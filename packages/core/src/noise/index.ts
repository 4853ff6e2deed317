export * from './noise.js';
export * from './suites.js';
