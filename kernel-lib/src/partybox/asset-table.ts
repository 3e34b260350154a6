import { inspect } from 'node:util';
import { display, tableBundle, type MimeBundle } from '../display';
import type { AssetInfo, BoxDriver } from './box-driver';

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** The assets of a box or driver as a table, titled with its one-line summary. */
export function assetTableBundle(owner: object, assets: readonly AssetInfo[]): MimeBundle {
  const title = `${inspect(owner)}: ${assets.length} asset${assets.length === 1 ? '' : 's'}`;
  return tableBundle(title, ['location', 'category', 'bytes', 'stored (UTC)'], assets.map((asset) => [asset.location, asset.category, asset.size, when(asset.storedAt)]));
}

/** Displays a driver's assets in the notebook. */
export async function showDriver(driver: BoxDriver): Promise<void> {
  await display({ toMimeBundle: async () => assetTableBundle(driver, await driver.list()) });
}
