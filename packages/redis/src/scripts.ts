/**
 * The Lua scripts: each one step that must be atomic across replicas. They read the server's
 * clock (`TIME`), never a replica's, so lease expiries do not depend on clock skew.
 *
 * Run keys (see `runKeys`): KEYS[1] meta (hash: owner digest, route, next, first, bytes, state
 * — live, finished or lost —, rv, data: 1 once a `data` event was written),
 * KEYS[2] the events (a stream whose entry `<seq>-1` is event `seq`, and `<last>-2` the finish
 * mark), KEYS[3] the producer's lease, KEYS[4] the readers (sorted set: reader id → expiry).
 */

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * The run indexes every script that adds or drops a run shares (its KEYS 5 to 8): KEYS[5] the live
 * runs (sorted set: run id → its lease's expiry), KEYS[6] the finished ones (run id → when it
 * finished), KEYS[7] each run's owner digest (hash: run id → digest), KEYS[8] the owners (sorted
 * set: digest → runs held). An owner's runs are `<prefix>runs:owner:<digest>` (run id → order).
 * `drop(id)` removes a run and its index entries; `lapse()` turns live runs whose lease lapsed (a
 * replica that died) into lost ones, kept for the retention window like finished runs.
 */
const INDEXES = `
local PREFIX = ARGV[#ARGV]
local function ownerSet(d) return PREFIX .. 'runs:owner:' .. d end
local function drop(id)
  local base = PREFIX .. 'run:' .. id
  redis.call('DEL', base, base .. ':meta', base .. ':lease', base .. ':readers')
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[6], id)
  local d = redis.call('HGET', KEYS[7], id)
  if d then
    redis.call('HDEL', KEYS[7], id)
    redis.call('ZREM', ownerSet(d), id)
    if tonumber(redis.call('ZINCRBY', KEYS[8], -1, d)) <= 0 then redis.call('ZREM', KEYS[8], d) end
  end
end
local function lapse(retentionMs)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)) do
    local base = PREFIX .. 'run:' .. id
    local ttl = redis.call('PTTL', base .. ':lease')
    local state = redis.call('HGET', base .. ':meta', 'state')
    if ttl > 0 then
      redis.call('ZADD', KEYS[5], now + ttl, id)
    elseif not state then
      drop(id)
    else
      if state == 'live' then
        redis.call('HSET', base .. ':meta', 'state', 'lost')
        redis.call('PEXPIRE', base .. ':meta', retentionMs)
        redis.call('PEXPIRE', base, retentionMs)
        redis.call('PEXPIRE', base .. ':readers', retentionMs)
      end
      redis.call('ZREM', KEYS[5], id)
      redis.call('ZADD', KEYS[6], now, id)
    end
  end
end
`;

/**
 * Registers a run: drops a previous run with the same id, prunes finished (and lost) runs past
 * retention, turns live runs whose lease lapsed into lost ones, then makes room: while the owner
 * holds `maxPerOwner` runs their own oldest goes (finished first, then live); while `maxRuns` are
 * held, the oldest of the owner holding the most (this owner on a tie). Then writes the meta
 * (the owner as its digest), the lease and the index entries.
 * KEYS 5–8: the indexes (INDEXES), 9: the ordering counter.
 * ARGV: runId, ownerDigest, route, leaseMs, retentionMs, maxRuns, maxPerOwner, prefix.
 */
export const START = `${NOW}${INDEXES}
local runId, owner = ARGV[1], ARGV[2]
local leaseMs, retentionMs, maxRuns, maxPerOwner = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
drop(runId)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now - retentionMs)) do drop(id) end
lapse(retentionMs)
local function oldestOf(d)
  local ids = redis.call('ZRANGE', ownerSet(d), 0, -1)
  for _, id in ipairs(ids) do
    if redis.call('ZSCORE', KEYS[6], id) then return id end
  end
  return ids[1]
end
while redis.call('ZCARD', ownerSet(owner)) >= maxPerOwner do
  drop(oldestOf(owner))
end
while redis.call('ZCARD', KEYS[5]) + redis.call('ZCARD', KEYS[6]) >= maxRuns do
  local top = redis.call('ZREVRANGE', KEYS[8], 0, 0, 'WITHSCORES')
  local victim
  if #top > 0 then
    local d = top[1]
    if tonumber(redis.call('ZSCORE', KEYS[8], owner) or 0) >= tonumber(top[2]) then d = owner end
    victim = oldestOf(d)
    if not victim then redis.call('ZREM', KEYS[8], d) end
  else
    -- Runs no owner index names (written before owners were indexed): oldest finished, then oldest live.
    local v = redis.call('ZRANGE', KEYS[6], 0, 0)
    if #v == 0 then v = redis.call('ZRANGE', KEYS[5], 0, 0) end
    if #v == 0 then break end
    victim = v[1]
  end
  if victim then drop(victim) end
end
redis.call('HSET', KEYS[1], 'owner', owner, 'route', ARGV[3], 'next', 0, 'first', 0, 'bytes', 0, 'state', 'live', 'rv', 0, 'data', 0)
redis.call('PEXPIRE', KEYS[1], leaseMs + retentionMs)
redis.call('SET', KEYS[3], '1', 'PX', leaseMs)
redis.call('ZADD', KEYS[5], now + leaseMs, runId)
redis.call('ZADD', ownerSet(owner), redis.call('INCR', KEYS[9]), runId)
redis.call('HSET', KEYS[7], runId, owner)
redis.call('ZINCRBY', KEYS[8], 1, owner)
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
if ARGV[2] == 'data' then redis.call('HSET', KEYS[1], 'data', 1) end
if seq == 0 then redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1])) end
return 1
`;

/**
 * The run wrote its last event. A run that wrote no `data` event and has no reader is dropped at
 * once (nothing a reconnect could want; returns 2). Otherwise it is marked finished, gets the
 * finish mark (wakes blocked readers), loses its lease and is kept for the retention window.
 * KEYS 5–8: the indexes (INDEXES). ARGV: runId, retentionMs, prefix.
 */
export const FINISH = `${NOW}${INDEXES}
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if redis.call('HGET', KEYS[1], 'data') ~= '1' and redis.call('ZCARD', KEYS[4]) == 0 then
  drop(ARGV[1])
  return 2
end
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
 * The producer's heartbeat for one live run: renews the lease (and its entry in the live index,
 * KEYS[5]) and the keys' expiry, drops readers whose own lease lapsed. Returns {readers, rv}, or
 * {-1, 0} when the run is not live (finished, evicted, or lost: its lease lapsed and was pruned).
 * ARGV: leaseMs, retentionMs, runId.
 */
export const HEARTBEAT = `${NOW}
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return {-1, 0} end
local leaseMs = tonumber(ARGV[1])
local ttl = leaseMs + tonumber(ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', leaseMs)
redis.call('ZADD', KEYS[5], 'XX', now + leaseMs, ARGV[3])
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

/** What a waiting reader checks when nothing new came: 'gone', 'finished', 'live' or 'lost' (lease lapsed, pruned or not yet). */
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
