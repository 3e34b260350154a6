import type { BoxDriver } from './box-driver';

/**
 * Deletes every asset `driver` stored before `cutoff` (ms since epoch) and returns the
 * hashes it removed: the Party Box's age rule, shared by the drivers' `cleanup`.
 */
export async function deleteStoredBefore(driver: Pick<BoxDriver, 'list' | 'delete'>, cutoff: number): Promise<string[]> {
  const removed: string[] = [];
  for (const info of await driver.list()) {
    if (info.storedAt < cutoff && (await driver.delete(info.hash))) removed.push(info.hash);
  }
  return removed;
}
