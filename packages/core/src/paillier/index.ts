export * from './paillier.js';
export * from './ring-pedersen.js';
