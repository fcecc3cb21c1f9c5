/**
 * The Upstash script's settle mode (`decision.settle`, `adjustRules` in src/algorithms/adjust.ts), one part of
 * `UPSTASH_SCRIPT` placed after `run` and before the decide part. ARGV[3] is then the settled decision's time `at`
 * (longer than any mode's one character) and ARGV[2] the signed `delta` (`cost` in the script). Each rule's state is
 * first read as `run(i, 0)` shows it at `now` (a rolled-over window as rolled over, a refilled bucket as refilled),
 * then, as the adjusters do it operation for operation: a window's count moves when that window holds `at`
 * (`j`: 2 the current count, 3 a sliding window's previous), never below 0; a bucket's tokens move, never above its
 * capacity; a GCRA TAT moves by `delta` emission intervals from the stored TAT (or `at`), never before `now`.
 * Concurrency states stay as they are. Nothing changed: `0`, no write. With counters (fixed windows alone) each changed
 * counter is set (BITFIELD SET of both fields, then PEXPIRE to its window's end plus the margin) and the script ends;
 * otherwise the decide part writes the adjusted states: it runs with `run` replaced by a cost-0 run that allows, so
 * it stores every rule's state as a consuming decision would.
 * Billed commands: EVALSHA, GET and SET; with counters EVALSHA, one BITFIELD per rule, BITFIELD and PEXPIRE per change.
 */
export const LUA_SETTLE = `local at = #mode > 1 and mode + 0
if at then
local hit, plain = false, run
for i = 1, count do
local a, n, q, w = ARGV[5 * i] + 0, ARGV[5 * i + 1], ARGV[5 * i + 2] + 0, ARGV[5 * i + 3] + 0
local s = run(i, 0)[5]
local t, start = {unpack(s)}, at - fmod(at, w)
local j = a < 3 and (s[1] == start and 2 or a == 2 and s[1] == start + w and 3)
if j then t[j] = max(0, t[j] + cost)
elseif a == 3 then t[1] = min(q, t[1] - cost)
elseif a == 4 then
 local o = states[n]
 if not (o and o[1] >= at) then o = {at, 0} end
 local f = o[2] + cost * w
 local d = floor(f / q)
 t = {o[1] + d, f - d * q}
 if t[1] < now then t = {now, 0} end
end
if t[1] ~= s[1] or t[2] ~= s[2] or t[3] ~= s[3] then
 hit, states[n] = true, t
 if fast then
  redis.call("BITFIELD", KEYS[i + 1], "SET", "i64", 0, t[1], "SET", "i64", 64, t[2])
  redis.call("PEXPIRE", KEYS[i + 1], t[1] + w - now + ARGV[4])
 end
end
end
if fast or not hit then return 0 end
mode, cost, run = "1", 1, function(i) local r = plain(i, 0); r[1] = true; return r end
end`;
