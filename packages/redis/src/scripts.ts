/**
 * The Lua scripts: each one step that must be atomic across replicas. They read the server's
 * clock (`TIME`), never a replica's, so lease expiries do not depend on clock skew.
 *
 * Run keys (see `runKeys`): KEYS[1] meta (hash: owner, route, next, first, bytes, state, rv),
 * KEYS[2] the events (a stream whose entry `<seq>-1` is event `seq`, and `<last>-2` the finish
 * mark), KEYS[3] the producer's lease, KEYS[4] the readers (sorted set: reader id → expiry).
 */

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Registers a run: drops a previous run with the same id, prunes finished runs past retention,
 * evicts runs while `maxRuns` are held (oldest finished first, then oldest live), then writes
 * the meta and the lease. KEYS 5, 6: the live and finished indexes, 7: the ordering counter.
 * ARGV: runId, owner, route, leaseMs, retentionMs, maxRuns, prefix.
 */
export const START = `${NOW}
local leaseMs, retentionMs, maxRuns = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - retentionMs)
while redis.call('ZCARD', KEYS[5]) + redis.call('ZCARD', KEYS[6]) >= maxRuns do
  local victim = redis.call('ZPOPMIN', KEYS[6])
  if #victim == 0 then victim = redis.call('ZPOPMIN', KEYS[5]) end
  if #victim == 0 then break end
  local base = ARGV[7] .. 'run:' .. victim[1]
  redis.call('DEL', base, base .. ':meta', base .. ':lease', base .. ':readers')
end
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'route', ARGV[3], 'next', 0, 'first', 0, 'bytes', 0, 'state', 'live', 'rv', 0)
redis.call('PEXPIRE', KEYS[1], leaseMs + retentionMs)
redis.call('SET', KEYS[3], '1', 'PX', leaseMs)
redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[7]), ARGV[1])
return 1
`;

/**
 * Appends event `seq` of a live run and trims the oldest past the per-run bounds. Returns 1,
 * 0 when the run is not live here any more (finished, evicted, expired), -1 when `seq` is not
 * the next one (a resent command after a reconnect: already written).
 * ARGV: seq, event, hasData ('1' | '0'), data, size, maxEvents, maxBytes.
 */
export const APPEND = `
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
local seq = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'next')) ~= seq then return -1 end
local size = tonumber(ARGV[5])
if ARGV[3] == '1' then
  redis.call('XADD', KEYS[2], seq .. '-1', 'e', ARGV[2], 'd', ARGV[4], 's', size)
else
  redis.call('XADD', KEYS[2], seq .. '-1', 'e', ARGV[2], 's', size)
end
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes')) + size
local first = tonumber(redis.call('HGET', KEYS[1], 'first'))
local maxEvents, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7])
while first <= seq and ((seq + 1 - first) > maxEvents or bytes > maxBytes) do
  local id = first .. '-1'
  local e = redis.call('XRANGE', KEYS[2], id, id)
  if #e > 0 then
    local f = e[1][2]
    for i = 1, #f, 2 do
      if f[i] == 's' then bytes = bytes - tonumber(f[i + 1]) end
    end
    redis.call('XDEL', KEYS[2], id)
  end
  first = first + 1
end
redis.call('HSET', KEYS[1], 'next', seq + 1, 'first', first, 'bytes', bytes)
if seq == 0 then redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1])) end
return 1
`;

/**
 * The run wrote its last event: marks it finished, writes the finish mark (wakes blocked
 * readers), drops the lease and keeps everything for the retention window.
 * KEYS 5, 6: the live and finished indexes. ARGV: runId, retentionMs.
 */
export const FINISH = `${NOW}
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'finished')
local last = tonumber(redis.call('HGET', KEYS[1], 'next')) - 1
if last < 0 then last = 0 end
redis.call('XADD', KEYS[2], last .. '-2', 'f', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[4], ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZADD', KEYS[6], now, ARGV[1])
return 1
`;

/**
 * The producer's heartbeat for one live run: renews the lease and the keys' expiry, drops
 * readers whose own lease lapsed. Returns {readers, rv}, or {-1, 0} when the run is not live.
 * ARGV: leaseMs, retentionMs.
 */
export const HEARTBEAT = `${NOW}
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return {-1, 0} end
local leaseMs = tonumber(ARGV[1])
local ttl = leaseMs + tonumber(ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', leaseMs)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
if redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now) > 0 then redis.call('HINCRBY', KEYS[1], 'rv', 1) end
return {redis.call('ZCARD', KEYS[4]), tonumber(redis.call('HGET', KEYS[1], 'rv'))}
`;

/** Counts the readers after a change, bumps the version and tells every replica. */
const PUBLISH_READERS = `
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local n = redis.call('ZCARD', KEYS[4])
local rv = redis.call('HINCRBY', KEYS[1], 'rv', 1)
redis.call('PUBLISH', ARGV[2], rv .. ' ' .. n .. ' ' .. ARGV[3])
return {n, rv}
`;

/**
 * A resume: checks owner, route and `after` as MemoryRunRegistry does, then attaches the reader.
 * Returns {readers, rv}, or {-1, 0} when the resume is refused (the client gets 204).
 * A live run whose lease lapsed is still resumable: its reader gets what was buffered, then a
 * RUNNABLE_RUN_LOST error. ARGV: readerId, channel, runId, leaseMs, owner, route, after.
 */
export const ATTACH = `${NOW}
local m = redis.call('HMGET', KEYS[1], 'owner', 'route', 'next', 'first', 'state')
if not m[1] or m[1] ~= ARGV[5] or m[2] ~= ARGV[6] then return {-1, 0} end
local after, nxt, first = tonumber(ARGV[7]), tonumber(m[3]), tonumber(m[4])
if after < first - 1 or after >= nxt then return {-1, 0} end
if m[5] ~= 'live' and after == nxt - 1 then return {-1, 0} end
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[4], redis.call('PTTL', KEYS[1]))
${PUBLISH_READERS}`;

/** A reader leaves (idempotent). ARGV: readerId, channel, runId. */
export const DETACH = `${NOW}
if redis.call('ZREM', KEYS[4], ARGV[1]) == 0 then return {-1, 0} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
${PUBLISH_READERS}`;

/** Renews an attached reader's lease (only if it is still there). ARGV: readerId, leaseMs. */
export const RENEW_READER = `${NOW}
return redis.call('ZADD', KEYS[4], 'XX', now + tonumber(ARGV[2]), ARGV[1])
`;

/** What a waiting reader checks when nothing new came: 'gone', 'finished', 'live' or 'lost' (lease lapsed). */
export const RUN_STATE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'gone' end
if state == 'live' and redis.call('EXISTS', KEYS[3]) == 0 then return 'lost' end
return state
`;

/**
 * Admission: prunes lapsed leases, then reserves `slots` members in the owner's and the total
 * set, all or nothing. Returns 'ok', 'user' or 'global'.
 * KEYS: the owner's set, the total set. ARGV: leaseId, slots, maxUser, maxTotal, leaseMs.
 */
export const ACQUIRE = `${NOW}
local slots, leaseMs = tonumber(ARGV[2]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) + slots > tonumber(ARGV[3]) then return 'user' end
if redis.call('ZCARD', KEYS[2]) + slots > tonumber(ARGV[4]) then return 'global' end
for i = 1, slots do
  redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[1] .. ':' .. i)
  redis.call('ZADD', KEYS[2], now + leaseMs, ARGV[1] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], leaseMs)
redis.call('PEXPIRE', KEYS[2], leaseMs)
return 'ok'
`;

/** Renews a held lease's members (only those still there). Returns how many were renewed. ARGV: leaseId, slots, leaseMs. */
export const RENEW_LEASE = `${NOW}
local slots, leaseMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local renewed = 0
for i = 1, slots do
  local member = ARGV[1] .. ':' .. i
  if redis.call('ZSCORE', KEYS[1], member) then renewed = renewed + 1 end
  redis.call('ZADD', KEYS[1], 'XX', now + leaseMs, member)
  redis.call('ZADD', KEYS[2], 'XX', now + leaseMs, member)
end
redis.call('PEXPIRE', KEYS[1], leaseMs)
redis.call('PEXPIRE', KEYS[2], leaseMs)
return renewed
`;

/** Gives a lease's slots back (idempotent). ARGV: leaseId, slots. */
export const RELEASE = `
for i = 1, tonumber(ARGV[2]) do
  redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. i)
  redis.call('ZREM', KEYS[2], ARGV[1] .. ':' .. i)
end
return 1
`;
