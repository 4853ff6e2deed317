export * from './ciphersuite.js';
export * from './sign.js';
