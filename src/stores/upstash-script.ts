/**
 * The Lua that applies every rule of one key atomically inside Redis. It mirrors `src/algorithms/` operation
 * for operation: Lua numbers and JS numbers are both IEEE doubles, so the same steps in the same order give
 * the same bits. Two places need care: `%` is `math.fmod` (JS `%`, exact), not Lua's `a - floor(a/b)*b`; and
 * numbers leave Lua through `%.0f`, never through Lua's default `%.14g`.
 *
 * Billed commands: one `GET`, plus one `SET … PX` when the decision consumes; `TIME` too with the Redis clock.
 * Edit the script only together with `UPSTASH_SCRIPT_SHA1` (a test recomputes it).
 */
export const UPSTASH_SCRIPT = `-- edgelimit: all rules of one key, all or nothing, in one round trip.
-- KEYS[1]  the key's storage key. Its value is one string:
--          "1\\n<expiresAt>\\n<rule name>\\n<state numbers, space separated>\\n<rule name>\\n…"
--          ("1" = format version; expiresAt = epoch ms from which the whole value counts as absent).
-- ARGV[1]  now: epoch ms of the caller's clock, or "redis" to use Redis TIME
-- ARGV[2]  cost: whole number >= 0 (never above a rule's capacity)
-- ARGV[3]  consume: "1" writes when every rule allows and cost > 0; "0" only looks (peek)
-- ARGV[4]  expiry margin in ms, added to PX (clock skew between callers; state expiry itself is exact)
-- ARGV[5…] five per rule: algorithm, rule name, p1, p2, p3
--          1 fixedWindow: limit, windowMs, 0     2 slidingWindow: limit, windowMs, 0
--          3 tokenBucket: capacity, refillRate, intervalMs     4 gcra: limit, periodMs, burst
-- Returns  {now, then per rule: allowed (1|0), remaining, resetAt, retryAfterMs (-1 = never)}
local floor, ceil, max, min, fmod = math.floor, math.ceil, math.max, math.min, math.fmod
local NEVER = -1

local function fixed(p, s, cost, now)
  local limit, w = p[1], p[2]
  local start = now - fmod(now, w)
  local count = 0
  if s and s[1] >= start then start = s[1]; count = s[2] end
  local allowed = count + cost <= limit
  local used = count
  if allowed then used = count + cost end
  local finish = start + w
  local reset = finish
  if used == 0 then reset = now end
  local retry = 0
  if not allowed then
    if cost > limit then retry = NEVER else retry = finish - now end
  end
  return allowed, max(0, limit - used), reset, retry, {start, used}, reset
end

local function sliding(p, s, cost, now)
  local limit, w = p[1], p[2]
  local start = now - fmod(now, w)
  local current, previous = 0, 0
  if s then
    if s[1] >= start then start = s[1]; current = s[2]; previous = s[3]
    elseif s[1] == start - w then previous = s[2] end
  end
  local left = max(0, w - max(0, now - start))
  local carried = previous * left
  local allowed = carried + (current + cost) * w <= limit * w
  local used = current
  if allowed then used = current + cost end
  local expires = now
  if used > 0 then expires = start + 2 * w elseif carried > 0 then expires = start + w end
  local retry = 0
  if not allowed then
    if cost > limit then retry = NEVER
    else
      local room = (limit - current - cost) * w
      if room >= 0 then retry = left - floor(room / previous)
      else retry = start + w - now + max(0, w - floor(((limit - cost) * w) / current)) end
    end
  end
  return allowed, max(0, limit - used - ceil(carried / w)), expires, retry, {start, used, previous}, expires
end

local function bucket(p, s, cost, now)
  local capacity, rate, interval = p[1], p[2], p[3]
  local tokens, refilled = capacity, now
  if s then
    tokens = s[1]; refilled = s[2]
    local ticks = floor((now - refilled) / interval)
    if ticks > 0 then
      tokens = min(capacity, tokens + min(ticks, ceil(capacity / rate)) * rate)
      refilled = refilled + ticks * interval
    end
    if tokens >= capacity then tokens = capacity; refilled = now end
  end
  local allowed = cost <= tokens
  local left = tokens
  if allowed then left = tokens - cost end
  local reset = now
  if left < capacity then reset = refilled + ceil((capacity - left) / rate) * interval end
  local retry = 0
  if not allowed then
    if cost > capacity then retry = NEVER
    else retry = refilled + ceil((cost - tokens) / rate) * interval - now end
  end
  return allowed, left, reset, retry, {left, refilled}, reset
end

local function gcra(p, s, cost, now)
  local limit, period, burst = p[1], p[2], p[3]
  local tat, frac = now, 0
  if s and s[1] >= now then tat = s[1]; frac = s[2] end
  local fraction = frac + cost * period
  local nextMs = tat + floor(fraction / limit)
  local nextFrac = fmod(fraction, limit)
  local tolerance = burst * period
  local allowed = (nextMs - now) * limit + nextFrac <= tolerance
  local endMs, endFrac = tat, frac
  if allowed then endMs = nextMs; endFrac = nextFrac end
  local ahead = (endMs - now) * limit + endFrac
  local reset = endMs
  if endFrac > 0 then reset = endMs + 1 end
  local retry = 0
  if not allowed then
    if cost > burst then retry = NEVER
    else retry = ceil(((tat - now) * limit + frac + (cost - burst) * period) / limit) end
  end
  return allowed, max(0, floor((tolerance - ahead) / period)), reset, retry, {endMs, endFrac}, reset
end

local algorithms = {fixed, sliding, bucket, gcra}
local function int(n) return string.format("%.0f", n) end

local key = KEYS[1]
local now = tonumber(ARGV[1])
if ARGV[1] == "redis" then
  local t = redis.call("TIME")
  now = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end
local cost = tonumber(ARGV[2])
local consume = ARGV[3] == "1"
local margin = tonumber(ARGV[4])
local count = (#ARGV - 4) / 5

local states = {}
local raw = redis.call("GET", key)
if raw then
  local lines = {}
  for line in string.gmatch(raw, "[^\\n]+") do lines[#lines + 1] = line end
  local expiresAt = tonumber(lines[2])
  if lines[1] == "1" and expiresAt and expiresAt > now then
    for i = 3, #lines - 1, 2 do
      local s = {}
      for n in string.gmatch(lines[i + 1], "%S+") do s[#s + 1] = tonumber(n) end
      states[lines[i]] = s
    end
  end
end

-- State numbers per algorithm: a state of another shape (a rule renamed onto another algorithm) is absent.
local sizes = {2, 3, 2, 2}
local function run(i, c)
  local b = 4 + (i - 1) * 5
  local algorithm = tonumber(ARGV[b + 1])
  local p = {tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5])}
  local s = states[ARGV[b + 2]]
  if s and #s ~= sizes[algorithm] then s = nil end
  return {algorithms[algorithm](p, s, c, now)}
end

local results, every = {}, true
for i = 1, count do
  results[i] = run(i, cost)
  if not results[i][1] then every = false end
end

local out = {now}
local write = consume and cost > 0 and every
local expires, parts = now, {"1", ""}
for i = 1, count do
  local r = results[i]
  local remaining, reset = r[2], r[3]
  if write then
    if r[6] > expires then expires = r[6] end
    local state = {}
    for j, v in ipairs(r[5]) do state[j] = int(v) end
    parts[#parts + 1] = ARGV[4 + (i - 1) * 5 + 2]
    parts[#parts + 1] = table.concat(state, " ")
  elseif cost > 0 and r[1] then
    -- Nothing is consumed: show the key as it stands.
    local asIs = run(i, 0)
    remaining = asIs[2]; reset = asIs[3]
  end
  local allowed = 0
  if r[1] then allowed = 1 end
  out[#out + 1] = allowed; out[#out + 1] = remaining; out[#out + 1] = reset; out[#out + 1] = r[4]
end
if write then
  parts[2] = int(expires)
  redis.call("SET", key, table.concat(parts, "\\n"), "PX", int(max(1, expires - now) + margin))
end
return out
`;

/** SHA-1 of `UPSTASH_SCRIPT`, so a decision is one `EVALSHA` (with `EVAL` only when Redis lost the script). */
export const UPSTASH_SCRIPT_SHA1 = "7cfc95cf1e21e886c66451762d2705b7c8b2fb0f";

/** Algorithm codes the script knows (ARGV per rule). Concurrency will take code 5. */
export const SCRIPT_ALGORITHMS = { fixedWindow: 1, slidingWindow: 2, tokenBucket: 3, gcra: 4 } as const;
