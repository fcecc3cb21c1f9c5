/**
 * The Upstash script's settle mode (`decision.settle`; `adjustRules` in src/algorithms/adjust.ts), one part of
 * `UPSTASH_SCRIPT`, after `run` and before the decide part. ARGV[3] is then the settled decision's time `at` (longer
 * than any mode's one character) and ARGV[2] the signed `delta`. The part replaces `run` with one that adjusts each
 * rule's state, as each adjuster does it operation for operation, and returns it as a cost-0 run that allows; the
 * decide part then writes every rule's state as a consuming decision does (the stored value, or with counters each
 * rule's counter by one SET: the rule's `states` entry is set to `{0}`, a window no counter holds). A state is read as
 * `run(i, 0)` shows it at `now` (a rolled-over window as rolled over, a bucket refilled): a window's count moves when
 * that window holds `at` (`j`: 2 the current count, 3 a sliding window's previous one), never below 0; a bucket's
 * tokens, never above its capacity; a GCRA TAT by `delta` emission intervals, never before `now`; a concurrency
 * state stays as it is. Billed: EVALSHA, GET, SET; with counters EVALSHA, then a BITFIELD and a SET per rule.
 */
export const LUA_SETTLE = `local at = #mode > 1 and mode + 0
if at then
local plain, delta = run, cost
run = function(i)
local a, q, w = ARGV[5 * i] + 0, ARGV[5 * i + 2] + 0, ARGV[5 * i + 3] + 0
local s, start = plain(i, 0)[5], at - fmod(at, w)
local j = a < 3 and (s[1] == start and 2 or a == 2 and s[1] == start + w and 3)
if j then s[j] = max(0, s[j] + delta)
elseif a == 3 then s[1] = min(q, s[1] - delta)
elseif a == 4 then
 local f = s[2] + delta * w
 local d = floor(f / q)
 s = s[1] + d < now and {now, 0} or {s[1] + d, f - d * q}
end
states[ARGV[5 * i + 1]] = s
local r = plain(i, 0)
r[1], states[ARGV[5 * i + 1]] = true, {0}
return r
end
mode, cost = "1", 1
end`;
