export { Store } from './store.js';
export { defaultStoreRoot, lineageNameFor } from './paths.js';
export { withLock } from './lock.js';
export * from './types.js';
export { listLineages, type LineageSummary } from './list.js';
