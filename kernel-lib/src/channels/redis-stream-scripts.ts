import type { Redis } from 'ioredis';

/**
 * Lua scripts of the Redis channel bus. Each runs atomically inside Redis, which is
 * what makes "deliver once per subscriber" hold across processes.
 */
const scripts = {
  /**
   * The hot path of the bus in one call: the publishes, reads and acknowledgements one
   * process issued in one turn of the event loop, run in order. ARGV is a list of operations:
   *
   * - `p key json messageId`: appends a message to a channel's stream unless the stream
   *   does not exist (nobody subscribes: no delivery, as on the in-memory bus), and wakes
   *   the processes that listen on it (a pub/sub message named after the stream key).
   *   Gives the entry id or nil.
   * - `t key group consumer count leasePrefix leaseMs`: reads up to `count` new entries of
   *   the group for the consumer and takes the processing lease of each in the same step
   *   (see campfiresBegin). Entries handled before under their message id are
   *   acknowledged here and not returned; entries another live consumer holds are left
   *   pending. Gives {entry id, fields, 'mine' | 'unknown', message id} per entry;
   *   'unknown' (an entry without an 'id' field, not written by this bus) is leased by
   *   the reader. The lease key is `leasePrefix` followed by the message id.
   * - `f leaseKey key group entryId doneMs`: marks a message done for a subscriber, then
   *   acknowledges its entry (an entry left pending in between is found done by whoever
   *   claims it).
   *
   * Keys travel in ARGV because how many there are depends on the batch; the bus runs on
   * one Redis server (not Redis Cluster). A failing operation gives its error in its
   * place and the others still run.
   */
  campfiresBatch: {
    numberOfKeys: 0,
    lua: `
local function take(key, group, consumer, count, prefix, leaseMs)
  local reply = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', key, '>')
  if type(reply) == 'table' and reply.err then return reply end
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
      local mark = prefix .. id
      local value = redis.call('GET', mark)
      if value == 'done' then
        redis.call('XACK', key, group, entry[1])
      elseif value == false or value == consumer then
        redis.call('SET', mark, consumer, 'PX', leaseMs)
        out[#out + 1] = {entry[1], fields, 'mine', id}
      end
    end
  end
  return out
end
local results = {}
local i = 1
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'p' then
    local id = redis.pcall('XADD', ARGV[i + 1], 'NOMKSTREAM', '*', 'message', ARGV[i + 2], 'id', ARGV[i + 3])
    if type(id) == 'string' then redis.call('PUBLISH', ARGV[i + 1], '') end
    results[#results + 1] = id
    i = i + 4
  elseif op == 't' then
    results[#results + 1] = take(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
    i = i + 7
  elseif op == 'f' then
    redis.call('SET', ARGV[i + 1], 'done', 'PX', ARGV[i + 5])
    results[#results + 1] = redis.pcall('XACK', ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
    i = i + 6
  else
    return redis.error_reply('campfiresBatch: unknown operation ' .. tostring(op))
  end
end
return results`,
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
