export * from './log.js';
export * from './transport/channel.js';
export * from './transport/connection.js';
export * from './transport/endpoint.js';
export * from './transport/relay.js';
export * from './sealing/passphrase-sealer.js';
export * from './sealing/node-keystore.js';
