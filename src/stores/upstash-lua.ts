/**
 * The algorithms of the Upstash script, one branch of the Lua function `algorithm` each (one closure per call
 * instead of five), mirroring `src/algorithms/` operation for operation:
 * Lua numbers and JS numbers are both IEEE doubles, so the same steps in the same order give the same bits.
 * `%` is `fmod` (JS `%`, exact), never Lua's `a - floor(a/b)*b`. `algorithm(a, limit, w, z, s, cost, now)` takes
 * the algorithm code `a`, the rule's three numbers (named for the first two algorithms; a branch names them its
 * own way), `s` its stored state (nil when absent) and returns
 * `allowed, remaining, resetAt, retryAfterMs (-1 = never), state, expiresAt[, leaseId]`. A JS `c ? a : b` is
 * Lua's `c and a or b`, exact here because `a` is always a number (every number is true in Lua).
 * The Lua carries no comments, no indentation and no spaces around `=`, `,` and operators other than `-`: its text
 * ships in every Worker bundle (`ok` is JS `allowed`, and other locals are shortened: `cap`, `rt` refilledAt, `iv`
 * interval, `prev`, `cur`, `carry`, `tol`, `fr`; gcra's `w` period, `z` burst, `nm`/`nf` next TAT ms/fraction,
 * `em`/`ef` the TAT kept). Part of `UPSTASH_SCRIPT` (pinned SHA-1).
 */
export const LUA_ALGORITHMS = [
  `local floor,ceil,max,min,fmod=math.floor,math.ceil,math.max,math.min,math.fmod
local function push(t,...) for _,v in ipairs({...}) do t[#t+1]=v end end
local function algorithm(a,limit,w,z,s,cost,now)`,
  // 1 fixedWindow (fixed-window.ts): limit, w = windowMs; state {windowStart, used}.
  `if a==1 then
local start,count=now-fmod(now,w),0
if s and s[1]>=start then start,count=s[1],s[2] end
local ok=count+cost<=limit
local used=ok and count+cost or count
local reset=used==0 and now or start+w
local retry=ok and 0 or cost>limit and -1 or start+w-now
return ok,max(0,limit-used),reset,retry,{start,used},reset`,
  // 2 slidingWindow (sliding-window.ts): limit, w = windowMs; state {windowStart, current, previous}.
  `elseif a==2 then
local start,cur,prev=now-fmod(now,w),0,0
if s then
if s[1]>=start then start,cur,prev=s[1],s[2],s[3]
elseif s[1]==start-w then prev=s[2] end
end
local left=max(0,w-max(0,now-start))
local carry=prev*left
local ok=carry+(cur+cost)*w<=limit*w
local used=ok and cur+cost or cur
local expires=used>0 and start+2*w or carry>0 and start+w or now
local retry=0
if not ok then
local room=(limit-cur-cost)*w
retry=cost>limit and -1 or room>=0 and left-floor(room/prev)
or start+w-now+max(0,w-floor(((limit-cost)*w)/cur))
end
return ok,max(0,limit-used-ceil(carry/w)),expires,retry,{start,used,prev},expires`,
  // 3 tokenBucket (token-bucket.ts): capacity, refillRate, intervalMs; state {tokens, refilledAt}.
  `elseif a==3 then
local cap,rate,iv=limit,w,z
local tokens,rt=cap,now
if s then
tokens,rt=s[1],s[2]
local ticks=floor((now-rt)/iv)
if ticks>0 then
tokens=min(cap,tokens+ticks*rate)
rt=rt+ticks*iv
end
if tokens>=cap then tokens,rt=cap,now end
end
local ok=cost<=tokens
local left=ok and tokens-cost or tokens
local reset=left>=cap and now or rt+ceil((cap-left)/rate)*iv
local retry=ok and 0 or cost>cap and -1 or rt+ceil((cost-tokens)/rate)*iv-now
return ok,max(0,left),reset,retry,{left,rt},reset`,
  // 4 gcra (gcra.ts): limit, periodMs, burst; state {tatMs, tatFraction}.
  `elseif a==4 then
local tat,frac=now,0
if s and s[1]>=now then tat,frac=s[1],s[2] end
local fr=frac+cost*w
local nm,nf=tat+floor(fr/limit),fmod(fr,limit)
local tol=z*w
local ok=(nm-now)*limit+nf<=tol
local em,ef=ok and nm or tat,ok and nf or frac
local ahead=(em-now)*limit+ef
local reset=ef>0 and em+1 or em
local retry=ok and 0 or cost>z and -1 or ceil(((tat-now)*limit+frac+(cost-z)*w)/limit)
return ok,max(0,floor((tol-ahead)/w)),reset,retry,{em,ef},reset`,
  // 5 concurrency (concurrency.ts): limit, leaseMs; state {nextId, id₁, expiresAt₁, weight₁, …}, built in
  // `live` with nextId at [1]. The retry walk sorts {expiresAt, weight} pairs by expiry (ties give the same answer
  // in any order). The 7th value is the lease taken (nil when none).
  `elseif a==5 then
local lease=w
local id,live,used=s and s[1] or 1,{0},0
for i=2,s and #s-2 or 0,3 do
if s[i+1]>now then push(live,s[i],s[i+1],s[i+2]); used=used+s[i+2] end
end
local ok=used+cost<=limit
local taken
if ok and cost>0 then
taken,id,used=id,id+1,used+cost
push(live,taken,now+lease,cost)
end
local last,retry=now,0
for i=3,#live,3 do last=max(last,live[i]) end
if not ok then
if cost>limit then retry=-1
else
local byExp,left={},used
for i=3,#live,3 do push(byExp,{live[i],live[i+1]}) end
table.sort(byExp,function(a,b) return a[1]<b[1] end)
for _,l in ipairs(byExp) do
left=left-l[2]; retry=l[1]-now
if left+cost<=limit then break end
end
end
end
live[1]=id
return ok,max(0,limit-used),last,retry,live,last,taken`,
  `end
end`,
].join("\n");
