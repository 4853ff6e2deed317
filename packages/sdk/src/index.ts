/** @mpc-wallet/sdk: a typed client for the mpc-wallet API. */
export { MpcWalletClient, type ClientOptions, type SignOptions, type WaitOptions } from './client.js';
export { MpcWalletError, CLIENT_ERROR_CODES, type MpcWalletErrorInit } from './errors.js';
export { type RetryOptions, DEFAULT_RETRIES } from './retry.js';
export type { CallOptions } from './http.js';
export type { StreamOptions, SubscribeOptions, Subscription } from './events.js';
export { paginate, collect } from './pages.js';
export { verifyWebhook, signWebhook, WebhookVerificationError, type WebhookHeaders, type VerifyOptions } from './webhooks.js';
export * from './types.js';
