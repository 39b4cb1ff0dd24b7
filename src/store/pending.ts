/**
 * Pending orders: CSRs sent to a paid CA whose certificate has not arrived yet. A lineage may have several
 * (a reissue, a second order, names being added); each has its own id, key and CSR, and none replaces another:
 *
 *   <root>/lineages/<name>/pending/<id>/privkey.pem csr.pem
 *
 * settings.json lists them in `pendingOrders`. Stores written before that had one `pending` entry with the
 * files directly in pending/: it is read as an order with id "1". Call the writers under the store lock.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import type { Store } from './store.js';
import type { LineageSettings, PendingOrder } from './types.js';

export function pendingOrdersOf(settings: LineageSettings | null): PendingOrder[] {
  if (!settings) return [];
  if (settings.pendingOrders) return settings.pendingOrders;
  const legacy = settings.pending;
  return legacy ? [{ id: '1', names: settings.domains, ...legacy }] : [];
}

export function newOrderId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Writes the order's key (0600) and CSR into its own directory; returns the order to record. */
export async function savePendingOrder(
  store: Store,
  lineage: string,
  order: { keyPem: string; csrPem: string; names: string[]; publicKeyId: string; product?: string },
  now: Date,
): Promise<PendingOrder> {
  const id = newOrderId(now);
  const dir = join(store.pendingDir(lineage), id);
  await ensureDir(dir);
  const keyFile = join(dir, 'privkey.pem');
  const csrFile = join(dir, 'csr.pem');
  await writeFileAtomic(keyFile, order.keyPem, 0o600);
  await writeFileAtomic(csrFile, order.csrPem, 0o644);
  return {
    id,
    createdAt: now.toISOString(),
    names: order.names,
    csrFile,
    keyFile,
    publicKeyId: order.publicKeyId,
    product: order.product,
  };
}

/** The pending order (in any lineage) whose key is publicKeyId's, with its private key. */
export async function findPendingOrder(
  store: Store,
  publicKeyId: string,
): Promise<{ lineage: string; order: PendingOrder; key: KeyObject } | null> {
  // a store that does not exist yet holds no pending order (import creates it)
  const lineages = (await store.isDirectory(store.root)) ? await store.names() : [];
  for (const lineage of lineages) {
    const order = pendingOrdersOf(await store.readSettings(lineage)).find(
      (o) => o.publicKeyId === publicKeyId,
    );
    if (!order) continue;
    const keyPem = await readFile(order.keyFile, 'utf8').catch(() => null);
    if (keyPem === null) continue; // its files went (a crash after the import that fulfilled it)
    return { lineage, order, key: createPrivateKey(keyPem) };
  }
  return null;
}

/** The orders that remain once orderId is fulfilled (to write into settings.json BEFORE its files go). */
export function ordersWithout(settings: LineageSettings | null, orderId: string): PendingOrder[] {
  return pendingOrdersOf(settings).filter((o) => o.id !== orderId);
}

/** Deletes a fulfilled order's key and CSR. Call after settings.json no longer lists it. */
export async function deleteOrderFiles(order: PendingOrder): Promise<void> {
  await rm(order.keyFile, { force: true });
  await rm(order.csrFile, { force: true });
  const dir = dirname(order.keyFile);
  if (basename(dir) === order.id) await rm(dir, { recursive: true, force: true });
}
