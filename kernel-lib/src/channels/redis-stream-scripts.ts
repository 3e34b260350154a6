import type { Redis } from 'ioredis';

/**
 * Lua scripts of the Redis channel bus. Each runs atomically inside Redis, which is
 * what makes "deliver once per subscriber" hold across processes.
 */
const scripts = {
  /**
   * Reads up to ARGV[3] new entries of a stream for consumer ARGV[2] of group ARGV[1] and
   * takes the processing lease of each in the same step (see campfiresBegin): one round
   * trip per read instead of one per entry. Entries handled before under their message id
   * are acknowledged here and not returned; entries another live consumer holds are left
   * pending. Returns {entry id, fields, 'mine' | 'unknown', message id} per entry; 'unknown'
   * (an entry without an 'id' field, not written by this bus) is leased by the reader.
   * ARGV[4] is the prefix of the lease keys (the message id completes it), ARGV[5] the lease time.
   */
  campfiresTake: {
    numberOfKeys: 1,
    lua: `
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
local out = {}
if not reply then return out end
for _, entry in ipairs(reply[1][2]) do
  local fields = entry[2]
  local id = false
  for i = 1, #fields - 1, 2 do
    if fields[i] == 'id' then id = fields[i + 1] end
  end
  if not id then
    out[#out + 1] = {entry[1], fields, 'unknown', ''}
  else
    local mark = ARGV[4] .. id
    local value = redis.call('GET', mark)
    if value == 'done' then
      redis.call('XACK', KEYS[1], ARGV[1], entry[1])
    elseif value == false or value == ARGV[2] then
      redis.call('SET', mark, ARGV[2], 'PX', ARGV[5])
      out[#out + 1] = {entry[1], fields, 'mine', id}
    end
  end
end
return out`,
  },
  /** Gives up a lease this consumer took but will not use, so another consumer of the group need not wait for it to expire. */
  campfiresRelease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
  /** Takes the processing lease of a message for one subscriber: `done`, `mine` or `busy`. */
  campfiresBegin: {
    numberOfKeys: 1,
    lua: `
local value = redis.call('GET', KEYS[1])
if value == 'done' then return 'done' end
if value == false or value == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'mine'
end
return 'busy'`,
  },
  /** Keeps a lease and the stream entry's idle time fresh while a handler runs, so nobody claims it. */
  campfiresRenew: {
    numberOfKeys: 2,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('XCLAIM', KEYS[2], ARGV[3], ARGV[1], 0, ARGV[4], 'JUSTID')
return 1`,
  },
  /**
   * 1 when every subscribed stream is idle: each group that has consumers has read
   * to the end and has nothing pending. Checked in one atomic step so that a handler
   * that publishes onward and then acknowledges is never seen half-way.
   */
  campfiresIdle: {
    numberOfKeys: 1,
    lua: `
local function field(list, name)
  for i = 1, #list, 2 do if list[i] == name then return list[i + 1] end end
  return nil
end
local function behind(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams < bms or (ams == bms and aseq < bseq)
end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', key) == 1 then
    local last = field(redis.call('XINFO', 'STREAM', key), 'last-generated-id')
    for _, group in ipairs(redis.call('XINFO', 'GROUPS', key)) do
      if field(group, 'consumers') > 0 then
        if field(group, 'pending') > 0 then return 0 end
        if behind(field(group, 'last-delivered-id'), last) then return 0 end
      end
    end
  end
end
return 1`,
  },
} as const;

/** The name of one of the bus's scripts. */
export type RedisStreamScript = keyof typeof scripts;

/** Registers the bus's scripts on a connection (sent once, then called by SHA). */
export function defineStreamScripts(redis: Redis): void {
  for (const [name, definition] of Object.entries(scripts)) {
    if (!(name in redis)) redis.defineCommand(name, definition);
  }
}

/** Runs one of the scripts registered by `defineStreamScripts`. */
export function runStreamScript(redis: Redis, name: RedisStreamScript, ...args: (string | number)[]): Promise<unknown> {
  const command = (redis as unknown as Record<string, (...values: (string | number)[]) => Promise<unknown>>)[name];
  return command.apply(redis, args);
}
