import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver ships no type declarations; the part used here is small and typed below.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
};

/** A local S3-compatible server (s3rver) started for a test. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** A bucket that exists on start. */
  readonly bucket: string;
  /** The credentials the server accepts. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** The same facts as the usual environment variables. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver on a free loopback port, storing objects in a temp dir removed on stop.
 * @example const s3 = await startS3Server(); ... await s3.stop();
 */
export async function startS3Server(options: { bucket?: string } = {}): Promise<S3Server> {
  const bucket = options.bucket ?? 'campfires';
  const directory = mkdtempSync(join(tmpdir(), 'campfires-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    credentials,
    env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: endpoint },
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
