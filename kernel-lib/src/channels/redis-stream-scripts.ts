import type { Redis } from 'ioredis';

/**
 * Lua scripts of the Redis channel bus. Each runs atomically inside Redis, which is
 * what makes "each subscriber receives a message once" hold across processes.
 */
const scripts = {
  /**
   * The write side of the bus in one call: the publishes and acknowledgements one
   * process issued in one turn of the event loop, run in order. ARGV is a list of operations:
   *
   * - `p inboxBase seenBase subscribersKey json messageId seenMs`: appends a message to the
   *   inbox stream of every subscriber of its channel (the members of `subscribersKey`:
   *   inbox `inboxBase .. member`), unless that inbox has had a message with this id in
   *   the last `seenMs` (key `seenBase .. member .. ':' .. messageId`). A channel nobody
   *   subscribes to keeps nothing, as on the in-memory bus. Gives the number of inboxes
   *   written.
   * - `a key group n id1 .. idn`: acknowledges `n` entries of one inbox.
   *
   * Keys travel in ARGV because how many there are depends on the batch and on who
   * subscribes; the bus runs on one Redis server (not Redis Cluster). A failing
   * operation gives its error in its place and the others still run.
   */
  campfiresBatch: {
    numberOfKeys: 0,
    lua: `
local results = {}
local i = 1
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'p' then
    local inboxBase, seenBase, json, messageId, seenMs = ARGV[i + 1], ARGV[i + 2], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
    local written = 0
    for _, member in ipairs(redis.call('SMEMBERS', ARGV[i + 3])) do
      if redis.call('SET', seenBase .. member .. ':' .. messageId, 1, 'NX', 'PX', seenMs) then
        local id = redis.pcall('XADD', inboxBase .. member, 'NOMKSTREAM', '*', 'message', json)
        if type(id) == 'string' then written = written + 1 end
      end
    end
    results[#results + 1] = written
    i = i + 7
  elseif op == 'a' then
    local n = tonumber(ARGV[i + 3])
    results[#results + 1] = redis.pcall('XACK', ARGV[i + 1], ARGV[i + 2], unpack(ARGV, i + 4, i + 3 + n))
    i = i + 4 + n
  else
    return redis.error_reply('campfiresBatch: unknown operation ' .. tostring(op))
  end
end
return results`,
  },
  /**
   * Removes a consumer from an inbox's group if it holds no entry (XGROUP DELCONSUMER
   * would drop what it holds), in one step, so an entry read meanwhile is never lost.
   */
  campfiresLeave: {
    numberOfKeys: 1,
    lua: `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1`,
  },
  /**
   * 1 when every subscribed inbox is idle: each group that has consumers has read
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
