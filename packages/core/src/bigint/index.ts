export * from './arith.js';
export * from './node-crypto.js';
export * from './codec.js';
