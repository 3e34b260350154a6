/** Where a Redis URL points, without its password (for summaries and asset locations). */
export function redisUrlForDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(invalid url)';
  }
}
