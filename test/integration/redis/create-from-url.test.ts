import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LocalDriver,
  MemoryChannelBus,
  RedisChannelBus,
  RedisDriver,
  S3Driver,
  ValidationError,
  createBoxDriver,
  createChannelBus,
  createMessage,
  type Message,
} from 'campfires';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';
import { startS3Server, type S3Server } from '../../helpers/s3-server';

let redis: RedisServer;
let s3: S3Server;
let dir: string;

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedisServer(), startS3Server()]);
  dir = mkdtempSync(join(tmpdir(), 'campfires-box-'));
});
afterAll(async () => {
  await Promise.all([redis.stop(), s3.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('createChannelBus', () => {
  it('gives the in-memory bus for memory: and by default', async () => {
    const buses = [createChannelBus(), createChannelBus('memory:')];
    for (const bus of buses) expect(bus).toBeInstanceOf(MemoryChannelBus);
    await Promise.all(buses.map((bus) => bus.close()));
  });

  it('gives a working Redis bus for a redis:// URL, with its settings from the query', async () => {
    const bus = createChannelBus(`${redis.url}/0?prefix=from-url&claimIdle=5s&block=200`);
    try {
      expect(bus).toBeInstanceOf(RedisChannelBus);
      expect((bus as RedisChannelBus).prefix).toBe('from-url');
      expect((bus as RedisChannelBus).url).toBe(`${redis.url}/0`);
      const got: Message[] = [];
      await bus.subscribe('headlines', 'summary', (message) => void got.push(message));
      await bus.publish(createMessage({ channel: 'headlines', sender: 'scrape', payload: { claim: 'blackout' } }));
      await bus.drain();
      expect(got.map((message) => message.payload)).toEqual([{ claim: 'blackout' }]);
    } finally {
      await bus.close();
    }
  });

  it('names the bus setting and what is allowed for a URL it does not understand', () => {
    expect(() => createChannelBus('http://127.0.0.1:6379')).toThrow(ValidationError);
    expect(() => createChannelBus('http://127.0.0.1:6379')).toThrow(/^bus: "http:" is not a channel bus backend \(got "http:\/\/127.0.0.1:6379"\); use memory: or redis:\/\//);
    expect(() => createChannelBus(`${redis.url}?speed=fast`)).toThrow(/bus\.speed: "speed" is not a Redis bus setting/);
    expect(() => createChannelBus(`${redis.url}?claimIdle=soon`)).toThrow(/bus\.claimIdle: "soon" is not a duration/);
  });
});

describe('createBoxDriver', () => {
  it('gives a LocalDriver for a directory or a file: location', async () => {
    const plain = createBoxDriver(join(dir, 'plain'));
    const viaFile = createBoxDriver(`file:${join(dir, 'file')}`);
    expect(plain).toBeInstanceOf(LocalDriver);
    expect(viaFile).toBeInstanceOf(LocalDriver);
    expect((viaFile as LocalDriver).root).toBe(join(dir, 'file'));
    const hash = await viaFile.put('note.txt', 'local');
    expect((await viaFile.get(hash)).location).toBe(`${join(dir, 'file')}/documents/${hash}.txt`);
  });

  it('gives a RedisDriver for redis://, with prefix and expiry from the query', async () => {
    const driver = createBoxDriver(`${redis.url}?prefix=alerts:box&maxAge=5m`);
    try {
      expect(driver).toBeInstanceOf(RedisDriver);
      expect((driver as RedisDriver).maxAgeMs).toBe(300_000);
      const hash = await driver.put('map.png', Buffer.from('png'));
      expect((await driver.get(hash)).location).toBe(`${redis.url}/alerts:box/images/${hash}.png`);
    } finally {
      await driver.close?.();
    }
  });

  it('gives an S3Driver for s3://bucket/prefix, with credentials from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey });
    const driver = createBoxDriver(`s3://${s3.bucket}/teams/alerts?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`);
    try {
      expect(driver).toBeInstanceOf(S3Driver);
      const hash = await driver.put('siren.mp3', Buffer.from([1, 2]));
      expect((await driver.get(hash)).location).toBe(`s3://${s3.bucket}/teams/alerts/audio/${hash}.mp3`);
    } finally {
      await driver.close?.();
      process.env = saved;
    }
  });

  it('names the box setting and what is allowed for a location it does not understand', () => {
    expect(() => createBoxDriver('ftp://files.example/box')).toThrow(/^box: "ftp:" is not a Party Box driver \(got "ftp:\/\/files.example\/box"\); use \.\/party_box/);
    expect(() => createBoxDriver('s3://campfires?forcePathStyle=yes')).toThrow(/box\.forcePathStyle: not a boolean \(got "yes"\)/);
    expect(() => createBoxDriver(`${redis.url}?ttl=5m`)).toThrow(/box\.ttl: "ttl" is not a setting of this driver/);
    expect(() => createBoxDriver('s3://Bad_Bucket/x')).toThrow(ValidationError);
  });
});
