/**
 * An open ioredis connection (`new Redis(url)` from the `ioredis` package), as the Redis
 * adapters' options accept it. Declared by the few members every connection has, so a
 * notebook that imports campfires does not type-check each cell against all of ioredis.
 */
export interface RedisConnection {
  readonly status: string;
  readonly options: { readonly host?: string; readonly port?: number };
  quit(): Promise<unknown>;
  disconnect(): void;
}
