/** 1 KiB: the largest a torch's JSON may be. */
export const TORCH_MAX_BYTES = 1024;
/** 10 MB: the largest asset the Party Box takes by default. */
export const ASSET_MAX_BYTES = 10 * 1024 * 1024;
/** 20 minutes: how long a Party Box asset lives by default. */
export const ASSET_MAX_AGE_MS = 20 * 60 * 1000;

/** Bytes of `text` in UTF-8, the unit every size limit here counts in. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** `1536` -> `1.5 KiB`, for messages a person reads. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}
