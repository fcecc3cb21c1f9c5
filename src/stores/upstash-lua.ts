/**
 * The algorithms of the Upstash script, one Lua function each, mirroring `src/algorithms/` operation for operation:
 * Lua numbers and JS numbers are both IEEE doubles, so the same steps in the same order give the same bits.
 * `%` is `fmod` (JS `%`, exact), never Lua's `a - floor(a/b)*b`. Every function takes `(p, s, cost, now)`:
 * `p` the rule's three numbers, `s` its stored state (nil when absent) and returns
 * `allowed, remaining, resetAt, retryAfterMs (NEVER = -1), state, expiresAt[, leaseId]`.
 * The Lua carries no comments: its text ships in every Worker bundle. Part of `UPSTASH_SCRIPT` (pinned SHA-1).
 */
export const LUA_ALGORITHMS = [
  `local floor, ceil, max, min, fmod = math.floor, math.ceil, math.max, math.min, math.fmod
local NEVER = -1`,
  // 1 fixedWindow (fixed-window.ts): p = {limit, windowMs}; state {windowStart, used}.
  `local function fixed(p, s, cost, now)
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
end`,
  // 2 slidingWindow (sliding-window.ts): p = {limit, windowMs}; state {windowStart, current, previous}.
  `local function sliding(p, s, cost, now)
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
end`,
  // 3 tokenBucket (token-bucket.ts): p = {capacity, refillRate, intervalMs}; state {tokens, refilledAt}.
  `local function bucket(p, s, cost, now)
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
end`,
  // 4 gcra (gcra.ts): p = {limit, periodMs, burst}; state {tatMs, tatFraction}.
  `local function gcra(p, s, cost, now)
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
end`,
  // 5 concurrency (concurrency.ts): p = {limit, leaseMs}; state {nextId, id₁, expiresAt₁, weight₁, …}.
  // Live leases are kept as {id, expiresAt, weight}; the retry walk sorts them by expiry (ties give the same
  // answer in any order). The 7th value is the lease taken (nil when none).
  `local function leases(p, s, cost, now)
  local limit, lease = p[1], p[2]
  local id, live, used = 1, {}, 0
  if s then
    id = s[1]
    for i = 2, #s - 2, 3 do
      if s[i + 1] > now then live[#live + 1] = {s[i], s[i + 1], s[i + 2]}; used = used + s[i + 2] end
    end
  end
  local allowed = used + cost <= limit
  local taken
  if allowed and cost > 0 then
    taken = id; id = id + 1
    live[#live + 1] = {taken, now + lease, cost}
    used = used + cost
  end
  local last, state = now, {id}
  for _, l in ipairs(live) do
    last = max(last, l[2])
    state[#state + 1] = l[1]; state[#state + 1] = l[2]; state[#state + 1] = l[3]
  end
  local retry = 0
  if not allowed then
    if cost > limit then retry = NEVER
    else
      table.sort(live, function(a, b) return a[2] < b[2] end)
      local left = used
      for _, l in ipairs(live) do
        left = left - l[3]; retry = l[2] - now
        if left + cost <= limit then break end
      end
    end
  end
  return allowed, max(0, limit - used), last, retry, state, last, taken
end`,
  `local algorithms, sizes = {fixed, sliding, bucket, gcra, leases}, {2, 3, 2, 2}`,
].join("\n");
