import { LUA_ALGORITHMS } from "./upstash-lua.ts";

/**
 * The Lua that applies every rule of one key atomically inside Redis (decide), or gives leases back (release).
 * The algorithms are in `upstash-lua.ts`; this is the rest. The Lua carries no comments and is written as compactly
 * as there (its text ships in every Worker bundle): the `//` comment beside each part documents it. Numbers leave Lua through `%.0f`, never `%.14g`.
 * Time inside Redis (per EVALSHA) is mostly what each call allocates and converts, so the script: passes
 * arguments to `redis.call` as strings where it can (Redis turns a Lua number into text with a printf, e.g. for
 * `PX`, exact for whole numbers); reads number arguments as `x + 0` (the same parse as `tonumber(x)`, without the
 * call); creates no helper closure on the fixed-window path, which returns before the stored value's code;
 * formats with `%.0f` (a slow printf) only what it writes into the stored value.
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
 *          request takes its cost back (BITFIELD INCRBY −cost, or DEL of a counter it created), always: a count
 *          left over the limit would be wrong for a later call under a higher limit (per-call `limits`, a deploy
 *          that raises it). Peeking is one BITFIELD GET each.
 * ARGV[1]  now: epoch ms of the caller's clock, or "redis" to use Redis TIME
 * ARGV[2]  decide: cost, a whole number >= 0 (never above a rule's capacity); release: the number of leases L
 * ARGV[3]  "1" decide and write when every rule allows and cost > 0; "0" decide without writing (peek);
 *          "2" release; with `upstashSettle`'s part (upstash-settle.ts), also settle: the settled decision's time
 *          `at`, epoch ms, with ARGV[2] the signed delta
 * ARGV[4]  expiry margin in ms, added to PX (clock skew between callers; state expiry itself is exact)
 * ARGV[5…] five per rule: algorithm, rule name, p1, p2, p3
 *          1 fixedWindow: limit, windowMs, 0     2 slidingWindow: limit, windowMs, 0
 *          3 tokenBucket: capacity, refillRate, intervalMs     4 gcra: limit, periodMs, burst
 *          5 concurrency: limit, leaseMs, 0
 *          algorithm + 8 for a shadow rule (consumes only where it allows, never denies the call);
 *          algorithm + 16 × blockMs for a blockFor rule (never with counters: KEYS[2…] come with plain rules only)
 *          then, releasing, three per lease: rule name, lease id, lease expiresAt
 *          with `upstashQuotas` (upstash-quotas.ts): a decision under stored quotas adds one value, a digit per rule;
 *          ARGV[3] "3" stores quotas (setLimits), with no rules and a (rule name, quota, ttlMs) triple per quota
 * Returns  decide: {now, then per rule: allowed (1|0), remaining, resetAt, retryAfterMs (-1 = never), leaseId (0 = none)}
 *          release: 1 when a lease was given back (and the key written), 0 when none matched (nothing written)
 *          settle: as decide (every rule allowed), which the store ignores
 *
 * Billed commands: one `GET`, plus one `SET … PX` when a decision consumes or a release frees a lease; `TIME` too
 * with the Redis clock. With counters: one `BITFIELD` per rule, plus one `SET … PX` on a window's first write, or
 * one more `BITFIELD` (or `DEL`) per rule when the request is denied (each takes its cost back). Edit the script only together with `UPSTASH_SCRIPT_SHA1` (a test recomputes it).
 */
export const UPSTASH_SCRIPT_PARTS: readonly string[] = [
  // Upstash runs a script under its global lock unless the shebang sets `allow-key-locking`; then it locks only
  // the keys passed in KEYS (upstash.com/docs/redis/commands/scripting/eval and /features/key-locking). Every key
  // this script touches is KEYS[1]. The flag is part of the text, so it is part of the pinned SHA-1 that EVALSHA
  // sends. Stock redis-server rejects the flag; tests/support/upstash-bridge.ts strips it, as Upstash accepts it.
  "#!lua flags=allow-key-locking",
  LUA_ALGORITHMS,
  `local key=KEYS[1]`,
  // ARGV[1]: now, or "redis" for Redis TIME (seconds and microseconds) in whole ms.
  `local now=ARGV[1]
if now=="redis" then
local t=redis.call("TIME")
now=t[1]*1000+floor(t[2]/1000)
else now=now+0 end`,
  // ARGV[2…4]: cost (or L), mode, margin (left a string: `+ ARGV[4]` reads it where a PX is written); rule i's
  // five values are ARGV[5i-1…5i+3] (its name ARGV[5i+1]), the leases (release) after them.
  `local cost,mode=ARGV[2]+0,ARGV[3]
local held=mode=="2" and cost or 0
local count=(#ARGV-4-3*held)/5`,
  // The stored states by rule name, none when the value is absent, expired or of another format. With counters
  // (KEYS[2…]) the value is not read.
  `local st,fast={},#KEYS>1
local raw=not fast and redis.call("GET",key)
if raw then
local ls={}
for l in raw:gmatch("[^\\n]+") do ls[#ls+1]=l end
local ea=tonumber(ls[2])
if ls[1]=="1" and ea and ea>now then
for i=3,#ls-1,2 do
local s={}
for n in ls[i+1]:gmatch("%S+") do s[#s+1]=n+0 end
st[ls[i]]=s
end
end
end`,
  // Counters: rule i's is KEYS[i + 1]. Consuming adds the cost to it first (taken back below for a denial);
  // peeking reads it. The arguments
  // are strings (ARGV[2] is the cost), as Redis would printf a Lua number.
  `local add=mode=="1" and cost or 0
for i=1,fast and count or 0 do
local k=KEYS[i+1]
local r=add>0 and redis.call("BITFIELD",k,"GET","i64","0","INCRBY","i64","64",ARGV[2])
or redis.call("BITFIELD",k,"GET","i64","0","GET","i64","64")
st[ARGV[5*i+1]]={r[1],r[2]-add}
end`,
  // Rule i at cost c. A state of another shape (a rule renamed onto another algorithm) counts as absent: the
  // shapes are 2 numbers, 3 for slidingWindow, and 1 + 3n for concurrency.
  // A blockFor rule (a = code + 16 × blockMs) keeps blockedUntil after its state (so 1 number more) and wraps its
  // algorithm as block.ts does; `block` says a consuming call's denial started one (then the states are written).
  `local block
local function run(i,c)
local a,s=ARGV[5*i]+0,st[ARGV[5*i+1]]
local g,b=fmod(a,8),floor(a/16)
if s and #s-min(b,1)~=(g==2 and 3 or g<5 and 2) and not (g==5 and #s % 3==1) then s=nil end
local r={algorithm(g,ARGV[5*i+2]+0,ARGV[5*i+3]+0,ARGV[5*i+4]+0,s,c,now)}
if b>0 then
local u=s and s[#s] or 0
if now>=u and not r[1] and c>0 and mode=="1" then u,block=now+b,true end
push(r[5],u)
if now<u then
local t=r[1] and c>0 and run(i,0) or r
r={c==0,0,max(t[3],u),c>0 and max(u-now,r[4]) or 0,t[5],max(t[6],u)}
end
end
return r
end`,
  // Decide (applyRules): all rules, all or nothing. Not writing, an allowed rule shows the key as it stands (cost 0).
  // `out` is sized for one rule up front (each growth of a Lua table rehashes it).
  // Then the counters: a window's first write is one SET of its 16 bytes (% and / by 256 are exact on whole
  // numbers ≥ 0 below 2^53); a denial takes its cost back. Only a write of the stored value goes on past this part.
  `local res,out,write={},count>0 and {now,0,0,0,0,0} or {now},mode=="1" and cost>0
if mode~="2" then
for i=1,count do
res[i]=run(i,cost)
write=write and (res[i][1] or floor(ARGV[5*i]/8)==1)
end
for i=1,count do
local r,j=res[i],5*i-4
local sh=not write and cost>0 and r[1] and run(i,0) or r
out[j+1],out[j+2],out[j+3],out[j+4],out[j+5]=r[1] and 1 or 0,sh[2],sh[3],r[4],write and r[7] or 0
res[i]=sh
end
for i=1,fast and count or 0 do
local k,r,seen=KEYS[i+1],res[i],st[ARGV[5*i+1]][1]
if write and r[5][1]~=seen then
local a,c,b=r[5][1],r[5][2],{}
for j=8,1,-1 do
b[j],b[j+8]=a % 256,c % 256
a,c=(a-b[j])/256,(c-b[j+8])/256
end
redis.call("SET",k,string.char(unpack(b)),"PX",max(1,r[6]-now)+ARGV[4])
elseif add>0 and not write then
if seen==0 then redis.call("DEL",k) else redis.call("BITFIELD",k,"INCRBY","i64",64,-add) end
end
end
if fast or not (write or block) then return out end
end`,
  // The stored value: ps = {"1", expiresAt, name, state, …}, written with PX = max(1, exp - now) + ARGV[4]. Short
  // locals: st the stored states by rule name, res each rule's result, sh what it shows, ls the value's lines.
  `local function line(s)
local t={}
for j,v in ipairs(s) do t[j]=("%.0f"):format(v) end
return table.concat(t," ")
end
local exp,ps=now,{"1",""}`,
  // Release (applyRelease): drop each lease matching id AND expiry; nothing matched → no write. Else expiresAt is
  // recomputed by a cost-0 run of every rule with a state, but not before the released leases' own expiry (so
  // lease ids never restart while a handle could still match), and every stored state is written back.
  `if mode=="2" then
local hit,last=false,now
for j=0,held-1 do
local b=4+count*5+j*3
local s,id,at=st[ARGV[b+1]],ARGV[b+2]+0,ARGV[b+3]+0
for i=2,s and #s-2 or 0,3 do
if s[i]==id and s[i+1]==at then
for _=1,3 do table.remove(s,i) end
hit,last=true,max(last,at)
break
end
end
end
if not hit then return 0 end
exp,out=last,1
for i=1,count do
if st[ARGV[5*i+1]] then exp=max(exp,run(i,0)[6]) end
end
for n,s in pairs(st) do push(ps,n,line(s)) end
else
for i=1,count do
exp=max(exp,res[i][6])
push(ps,ARGV[5*i+1],line(res[i][5]))
end
end
ps[2]=line({exp})
redis.call("SET",key,table.concat(ps,"\\n"),"PX",max(1,exp-now)+ARGV[4])
return out
`,
];

/** The script's text; `upstashSettle` (upstash-settle.ts) adds its settle mode to the same parts. */
export const UPSTASH_SCRIPT = UPSTASH_SCRIPT_PARTS.join("\n");

/** SHA-1 of `UPSTASH_SCRIPT`, so a request is one `EVALSHA` (with `EVAL` only when Redis lost the script). */
export const UPSTASH_SCRIPT_SHA1 = "15aa33ab48d92015d730252e5d3f4cb1bd3620d8";

/** Algorithm codes the script knows (ARGV per rule). */
export const SCRIPT_ALGORITHMS = { fixedWindow: 1, slidingWindow: 2, tokenBucket: 3, gcra: 4, concurrency: 5 } as const;
