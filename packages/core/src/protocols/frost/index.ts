export * from './ciphersuite.js';
export * from './sign.js';
export * from './nonce-pool.js';
export * from './protocol.js';
