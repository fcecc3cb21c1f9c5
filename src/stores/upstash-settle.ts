import { UPSTASH_SCRIPT_PARTS } from "./upstash-script.ts";

/**
 * The Upstash script's settle mode (`decision.settle`; `adjustRules` in src/algorithms/adjust.ts): a part added to
 * `UPSTASH_SCRIPT_PARTS` after `run`, before the decide part, by `upstashSettle` only. ARGV[3] is then the settled decision's time `at` (longer
 * than any mode's one character) and ARGV[2] the signed `delta`. The part replaces `run` with one that adjusts each
 * rule's state, as each adjuster does it operation for operation, and returns it as a cost-0 run that allows; the
 * decide part then writes every rule's state as a consuming decision does (the stored value, or with counters each
 * rule's counter by one SET: the rule's `states` entry is set to `{0}`, a window no counter holds). A state is read as
 * `run(i, 0)` shows it at `now` (a rolled-over window as rolled over, a bucket refilled): a window's count moves when
 * that window holds `at` (`j`: 2 the current count, 3 a sliding window's previous one), never below 0; a bucket's
 * tokens, never above its capacity; a GCRA TAT by `delta` emission intervals, never before `now`; a concurrency
 * state stays as it is. Billed: EVALSHA, GET, SET; with counters EVALSHA, then a BITFIELD and a SET per rule.
 */
const LUA_SETTLE = `local at=#mode>1 and mode+0
if at then
local plain,delta=run,cost
run=function(i)
local a,q,w=fmod(ARGV[5*i]+0,8),ARGV[5*i+2]+0,ARGV[5*i+3]+0
local s,start=plain(i,0)[5],at-fmod(at,w)
local j=a<3 and (s[1]==start and 2 or a==2 and s[1]==start+w and 3)
if j then s[j]=max(0,s[j]+delta)
elseif a==3 then s[1]=min(q,s[1]-delta)
elseif a==4 then
local f=s[2]+delta*w
local d=floor(f/q)
local t=s[1]+d<now
s[1],s[2]=t and now or s[1]+d,t and 0 or f-d*q
end
st[ARGV[5*i+1]]=s
local r=plain(i,0)
r[1],st[ARGV[5*i+1]]=true,{0}
return r
end
mode,cost="1",1
end`;

const parts = [...UPSTASH_SCRIPT_PARTS];
parts.splice(parts.findIndex((part) => part.includes("local function run(")) + 1, 0, LUA_SETTLE);

/** What `upstashStore({ settle })` takes: the script with its settle mode, and its pinned SHA-1. */
export interface UpstashSettle {
  readonly script: string;
  readonly sha1: string;
}

/**
 * `upstashStore({ url, token, settle: upstashSettle })`: the store then runs the script with its settle mode, so a
 * limiter with `settle: settleCosts()` can settle decisions on it (docs/settle.md). A separate export so that a Worker
 * that never settles ships none of that Lua text. The script decides exactly as the plain one does.
 */
export const upstashSettle: UpstashSettle = Object.freeze({
  script: parts.join("\n"),
  sha1: "4743d1978f04008aee151cb9f90c2720aa3bde6c",
});
