import { LUA_ALGORITHMS } from "./upstash-lua.ts";

/**
 * The Lua that applies every rule of one key atomically inside Redis (decide), or gives leases back (release).
 * The algorithms are in `upstash-lua.ts`; this is the rest. The Lua carries no comments and is indented as there
 * (its text ships in every Worker bundle): the `//` comment beside each part documents it. Numbers leave Lua through `%.0f`, never `%.14g`.
 *
 * KEYS[1]  the key's storage key. Its value is one string:
 *          "1\n<expiresAt>\n<rule name>\n<state numbers, space separated>\n<rule name>\n…"
 *          ("1" = format version; expiresAt = epoch ms from which the whole value counts as absent).
 * KEYS[2…] decide with fixed windows alone: one counter per rule, in rule order (`counterKey` in upstash.ts),
 *          and KEYS[1] is neither read nor written. A counter is 16 bytes: the rule's state {windowStart, count}
 *          as two big-endian signed 64-bit integers (BITFIELD i64 at bits 0 and 64), so one BITFIELD reads the
 *          window and adds the cost. The count is the window's only when windowStart is the current window or a
 *          later one (a caller whose clock lags uses the later window, as fixedWindow does); an older or absent
 *          window is rewritten with one SET … PX when the request is consumed: the window's first write. A denied
 *          request takes its cost back (BITFIELD INCRBY −cost, or DEL of a counter it created) only where the
 *          count before was under the limit: at or over it, every cost above 0 is denied whatever the count, and
 *          remaining is 0, so a count left over the limit reads as the limit. Peeking is one BITFIELD GET each.
 * ARGV[1]  now: epoch ms of the caller's clock, or "redis" to use Redis TIME
 * ARGV[2]  decide: cost, a whole number >= 0 (never above a rule's capacity); release: the number of leases L
 * ARGV[3]  "1" decide and write when every rule allows and cost > 0; "0" decide without writing (peek);
 *          "2" release
 * ARGV[4]  expiry margin in ms, added to PX (clock skew between callers; state expiry itself is exact)
 * ARGV[5…] five per rule: algorithm, rule name, p1, p2, p3
 *          1 fixedWindow: limit, windowMs, 0     2 slidingWindow: limit, windowMs, 0
 *          3 tokenBucket: capacity, refillRate, intervalMs     4 gcra: limit, periodMs, burst
 *          5 concurrency: limit, leaseMs, 0
 *          then, releasing, three per lease: rule name, lease id, lease expiresAt
 * Returns  decide: {now, then per rule: allowed (1|0), remaining, resetAt, retryAfterMs (-1 = never), leaseId (0 = none)}
 *          release: 1 when a lease was given back (and the key written), 0 when none matched (nothing written)
 *
 * Billed commands: one `GET`, plus one `SET … PX` when a decision consumes or a release frees a lease; `TIME` too
 * with the Redis clock. With counters: one `BITFIELD` per rule, plus one `SET … PX` on a window's first write, or
 * one more `BITFIELD` (or `DEL`) where a denied request takes its cost back (a rule that allowed when another
 * denied, or whose count was under the limit by less than the cost). Edit the script only together with `UPSTASH_SCRIPT_SHA1` (a test recomputes it).
 */
export const UPSTASH_SCRIPT = [
  // Upstash runs a script under its global lock unless the shebang sets `allow-key-locking`; then it locks only
  // the keys passed in KEYS (upstash.com/docs/redis/commands/scripting/eval and /features/key-locking). Every key
  // this script touches is KEYS[1]. The flag is part of the text, so it is part of the pinned SHA-1 that EVALSHA
  // sends. Stock redis-server rejects the flag; tests/support/upstash-bridge.ts strips it, as Upstash accepts it.
  "#!lua flags=allow-key-locking",
  LUA_ALGORITHMS,
  `local function int(n) return string.format("%.0f", n) end`,
  // A whole number ≥ 0 below 2^53 as 8 bytes, big-endian: how BITFIELD reads an i64.
  `local function i64(n)
local s = ""
for _ = 1, 8 do s = string.char(fmod(n, 256)) .. s; n = floor(n / 256) end
return s
end`,
  `local key = KEYS[1]`,
  // ARGV[1]: now, or "redis" for Redis TIME (seconds and microseconds) in whole ms.
  `local now = tonumber(ARGV[1])
if ARGV[1] == "redis" then
local t = redis.call("TIME")
now = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end`,
  // ARGV[2…4]: cost (or L), mode, margin; rule i's five values are ARGV[5i-1…5i+3] (its name ARGV[5i+1]), the
  // leases (release) after them.
  `local cost, mode, margin = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local held = mode == "2" and cost or 0
local count = (#ARGV - 4 - 3 * held) / 5
local function name(i) return ARGV[5 * i + 1] end`,
  // The stored states by rule name, none when the value is absent, expired or of another format. With counters
  // (KEYS[2…]) the value is not read.
  `local states, fast = {}, #KEYS > 1
local raw = not fast and redis.call("GET", key)
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
end`,
  // Counters: rule i's is KEYS[i + 1]. Consuming adds the cost to it first (taken back below for a denial);
  // peeking reads it. A count at or over the limit means exactly the limit (see the top comment).
  `local add = mode == "1" and cost or 0
for i = 1, fast and count or 0 do
local r = redis.call("BITFIELD", KEYS[i + 1], "GET", "i64", 0, unpack(add > 0 and {"INCRBY", "i64", 64, add} or {"GET", "i64", 64}))
states[name(i)] = {r[1], min(r[2] - add, tonumber(ARGV[5 * i + 2]))}
end`,
  // Rule i at cost c. A state of another shape (a rule renamed onto another algorithm) counts as absent;
  // a concurrency state has 1 + 3n numbers.
  `local function run(i, c)
local a, s = tonumber(ARGV[5 * i]), states[name(i)]
if s and #s ~= sizes[a] and not (a == 5 and #s % 3 == 1) then s = nil end
return {algorithms[a]({tonumber(ARGV[5 * i + 2]), tonumber(ARGV[5 * i + 3]), tonumber(ARGV[5 * i + 4])}, s, c, now)}
end`,
  // parts = {"1", "", name, state, …}: writes the value with its expiry, plus PX = max(1, expires - now) + margin.
  `local function line(s)
local t = {}
for j, v in ipairs(s) do t[j] = int(v) end
return table.concat(t, " ")
end
local function save(parts, expires)
parts[2] = int(expires)
redis.call("SET", key, table.concat(parts, "\\n"), "PX", int(max(1, expires - now) + margin))
end`,
  // Release (applyRelease): drop each lease matching id AND expiry; nothing matched → no write. Else expiresAt is
  // recomputed by a cost-0 run of every rule with a state, but not before the released leases' own expiry (so
  // lease ids never restart while a handle could still match), and every stored state is written back.
  `if mode == "2" then
local hit, latest = false, now
for j = 0, held - 1 do
 local b = 4 + count * 5 + j * 3
 local s, id, at = states[ARGV[b + 1]], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
 for i = 2, s and #s - 2 or 0, 3 do
  if s[i] == id and s[i + 1] == at then
   for _ = 1, 3 do table.remove(s, i) end
   hit, latest = true, max(latest, at)
   break
  end
 end
end
if not hit then return 0 end
local expires, parts = latest, {"1", ""}
for i = 1, count do
 if states[name(i)] then expires = max(expires, run(i, 0)[6]) end
end
for n, s in pairs(states) do push(parts, n, line(s)) end
save(parts, expires)
return 1
end`,
  // Decide (applyRules): all rules, all or nothing. Not writing, an allowed rule shows the key as it stands (cost 0).
  `local results, every = {}, true
for i = 1, count do
results[i] = run(i, cost)
every = every and results[i][1]
end
local out, write = {now}, mode == "1" and cost > 0 and every
local expires, parts = now, {"1", ""}
for i = 1, count do
local r = results[i]
local shown = r
if write then
 expires = max(expires, r[6])
 push(parts, name(i), line(r[5]))
elseif cost > 0 and r[1] then
 shown = run(i, 0)
end
push(out, r[1] and 1 or 0, shown[2], shown[3], r[4], write and r[7] or 0)
end
for i = 1, fast and count or 0 do
local k, r, seen = KEYS[i + 1], results[i], states[name(i)][1]
if write and r[5][1] ~= seen then
 redis.call("SET", k, i64(r[5][1]) .. i64(r[5][2]), "PX", int(max(1, r[6] - now) + margin))
elseif add > 0 and not write and (r[1] or r[2] > 0) then
 if seen == 0 then redis.call("DEL", k) else redis.call("BITFIELD", k, "INCRBY", "i64", 64, -add) end
end
end
if write and not fast then save(parts, expires) end
return out
`,
].join("\n");

/** SHA-1 of `UPSTASH_SCRIPT`, so a request is one `EVALSHA` (with `EVAL` only when Redis lost the script). */
export const UPSTASH_SCRIPT_SHA1 = "40318aec812a543bf01776a6d9abc1ad2d264260";

/** Algorithm codes the script knows (ARGV per rule). */
export const SCRIPT_ALGORITHMS = { fixedWindow: 1, slidingWindow: 2, tokenBucket: 3, gcra: 4, concurrency: 5 } as const;

/** The script's modes (ARGV[3]). */
export const SCRIPT_MODES = { peek: "0", consume: "1", release: "2" } as const;
