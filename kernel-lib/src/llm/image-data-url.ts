/** The media type of image bytes from their magic numbers (PNG, JPEG, GIF, WebP), else `application/octet-stream`. */
export function imageMediaType(bytes: Uint8Array): string {
  const starts = (...values: number[]) => values.every((value, index) => bytes[index] === value);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  return 'application/octet-stream';
}

/** Image bytes as a `data:` URL, the form OpenAI-compatible `image_url` parts take. */
export function imageDataUrl(bytes: Uint8Array): string {
  return `data:${imageMediaType(bytes)};base64,${Buffer.from(bytes).toString('base64')}`;
}
