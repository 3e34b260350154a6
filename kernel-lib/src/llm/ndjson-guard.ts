/** What the guard saw in an NDJSON body. */
export interface NdjsonGuardReport {
  /** Lines that were not JSON (dropped, so the client does not warn on the console). */
  malformedLines: number;
  /** True when the body ended in the middle of a line. */
  endedMidLine: boolean;
}

/**
 * Wraps a fetch (of streamed requests) so that response bodies pass only whole, parseable lines on to
 * the client. The ollama client would otherwise print a console warning for each bad
 * line and carry on; the adapter reads `report` to give one clear error instead.
 */
export function guardNdjson(base: typeof fetch, report: NdjsonGuardReport): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    // A streamed answer is read line by line whatever its content type says, so a server
    // that sends plain text where NDJSON belongs gets the same guard.
    if (!response.ok || !response.body) return response;
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let buffer = '';
    const keep = (line: string): string => {
      if (line.trim() === '') return '';
      try {
        JSON.parse(line);
        return `${line}\n`;
      } catch {
        report.malformedLines += 1;
        return '';
      }
    };
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          buffer += decoder.decode(chunk, { stream: true });
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          const out = lines.map(keep).join('');
          if (out) controller.enqueue(encoder.encode(out));
        },
        flush(controller) {
          buffer += decoder.decode();
          if (buffer.trim() === '') return;
          try {
            JSON.parse(buffer);
            controller.enqueue(encoder.encode(`${buffer}\n`));
          } catch {
            report.endedMidLine = true;
          }
        },
      }),
    );
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
