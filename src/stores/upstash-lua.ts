/**
 * The algorithms of the Upstash script, one branch of the Lua function `algorithm` each (one closure per call
 * instead of five), mirroring `src/algorithms/` operation for operation:
 * Lua numbers and JS numbers are both IEEE doubles, so the same steps in the same order give the same bits.
 * `%` is `fmod` (JS `%`, exact), never Lua's `a - floor(a/b)*b`. `algorithm(a, limit, w, z, s, cost, now)` takes
 * the algorithm code `a`, the rule's three numbers (named for the first two algorithms; a branch names them its
 * own way), `s` its stored state (nil when absent) and returns
 * `allowed, remaining, resetAt, retryAfterMs (NEVER = -1), state, expiresAt[, leaseId]`. A JS `c ? a : b` is
 * Lua's `c and a or b`, exact here because `a` is always a number (every number is true in Lua).
 * The Lua carries no comments and little indentation (a branch's body starts at column 0, each nested block one
 * space in): its text ships in every Worker bundle. Part of `UPSTASH_SCRIPT` (pinned SHA-1).
 */
export const LUA_ALGORITHMS = [
  `local floor, ceil, max, min, fmod = math.floor, math.ceil, math.max, math.min, math.fmod
local NEVER = -1
local function push(t, ...) for _, v in ipairs({...}) do t[#t + 1] = v end end
local function algorithm(a, limit, w, z, s, cost, now)`,
  // 1 fixedWindow (fixed-window.ts): limit, w = windowMs; state {windowStart, used}.
  `if a == 1 then
local start, count = now - fmod(now, w), 0
if s and s[1] >= start then start, count = s[1], s[2] end
local allowed = count + cost <= limit
local used = allowed and count + cost or count
local reset = used == 0 and now or start + w
local retry = allowed and 0 or cost > limit and NEVER or start + w - now
return allowed, max(0, limit - used), reset, retry, {start, used}, reset`,
  // 2 slidingWindow (sliding-window.ts): limit, w = windowMs; state {windowStart, current, previous}.
  `elseif a == 2 then
local start, current, previous = now - fmod(now, w), 0, 0
if s then
 if s[1] >= start then start, current, previous = s[1], s[2], s[3]
 elseif s[1] == start - w then previous = s[2] end
end
local left = max(0, w - max(0, now - start))
local carried = previous * left
local allowed = carried + (current + cost) * w <= limit * w
local used = allowed and current + cost or current
local expires = used > 0 and start + 2 * w or carried > 0 and start + w or now
local retry = 0
if not allowed then
 local room = (limit - current - cost) * w
 retry = cost > limit and NEVER or room >= 0 and left - floor(room / previous)
  or start + w - now + max(0, w - floor(((limit - cost) * w) / current))
end
return allowed, max(0, limit - used - ceil(carried / w)), expires, retry, {start, used, previous}, expires`,
  // 3 tokenBucket (token-bucket.ts): capacity, refillRate, intervalMs; state {tokens, refilledAt}.
  `elseif a == 3 then
local capacity, rate, interval = limit, w, z
local tokens, refilled = capacity, now
if s then
 tokens, refilled = s[1], s[2]
 local ticks = floor((now - refilled) / interval)
 if ticks > 0 then
  tokens = min(capacity, tokens + ticks * rate)
  refilled = refilled + ticks * interval
 end
 if tokens >= capacity then tokens, refilled = capacity, now end
end
local allowed = cost <= tokens
local left = allowed and tokens - cost or tokens
local reset = left >= capacity and now or refilled + ceil((capacity - left) / rate) * interval
local retry = allowed and 0 or cost > capacity and NEVER or refilled + ceil((cost - tokens) / rate) * interval - now
return allowed, max(0, left), reset, retry, {left, refilled}, reset`,
  // 4 gcra (gcra.ts): limit, periodMs, burst; state {tatMs, tatFraction}.
  `elseif a == 4 then
local period, burst = w, z
local tat, frac = now, 0
if s and s[1] >= now then tat, frac = s[1], s[2] end
local fraction = frac + cost * period
local nextMs, nextFrac = tat + floor(fraction / limit), fmod(fraction, limit)
local tolerance = burst * period
local allowed = (nextMs - now) * limit + nextFrac <= tolerance
local endMs, endFrac = allowed and nextMs or tat, allowed and nextFrac or frac
local ahead = (endMs - now) * limit + endFrac
local reset = endFrac > 0 and endMs + 1 or endMs
local retry = allowed and 0 or cost > burst and NEVER or ceil(((tat - now) * limit + frac + (cost - burst) * period) / limit)
return allowed, max(0, floor((tolerance - ahead) / period)), reset, retry, {endMs, endFrac}, reset`,
  // 5 concurrency (concurrency.ts): limit, leaseMs; state {nextId, id₁, expiresAt₁, weight₁, …}, built in
  // `live` with nextId at [1]. The retry walk sorts {expiresAt, weight} pairs by expiry (ties give the same answer
  // in any order). The 7th value is the lease taken (nil when none).
  `elseif a == 5 then
local lease = w
local id, live, used = s and s[1] or 1, {0}, 0
for i = 2, s and #s - 2 or 0, 3 do
 if s[i + 1] > now then push(live, s[i], s[i + 1], s[i + 2]); used = used + s[i + 2] end
end
local allowed = used + cost <= limit
local taken
if allowed and cost > 0 then
 taken, id, used = id, id + 1, used + cost
 push(live, taken, now + lease, cost)
end
local last, retry = now, 0
for i = 3, #live, 3 do last = max(last, live[i]) end
if not allowed then
 if cost > limit then retry = NEVER
 else
  local byExpiry, left = {}, used
  for i = 3, #live, 3 do push(byExpiry, {live[i], live[i + 1]}) end
  table.sort(byExpiry, function(a, b) return a[1] < b[1] end)
  for _, l in ipairs(byExpiry) do
   left = left - l[2]; retry = l[1] - now
   if left + cost <= limit then break end
  end
 end
end
live[1] = id
return allowed, max(0, limit - used), last, retry, live, last, taken`,
  `end
end`,
].join("\n");
