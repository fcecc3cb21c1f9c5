import type { StoreFeature } from "../rules/types.ts";
import type { StoreRequest, StoreResponse } from "../store.ts";
import { UPSTASH_SCRIPT, UPSTASH_SCRIPT_SHA1 } from "./upstash-script.ts";
import type { UpstashSettle } from "./upstash-settle.ts";

/**
 * The Upstash script's stored quotas (`limiter.setLimits`, docs/tenants.md; the quota entries `\<rule name>` holding
 * `[quota, untilMs]` of src/quotas.ts), four pieces of Lua put into the plain or the settle script's text before
 * the lines they name, by `upstashQuotas` only, so that a Worker without it ships none of this:
 *
 * First, before the algorithms: `local ARGV={unpack(ARGV)}`, a copy the script may write (the next piece does).
 *
 * Before `local add=`, once the stored states `st` are read. With stored quotas a decision's ARGV ends in one more
 * value, one digit per rule (so `count`, the rules' number, is not whole): 2 a live quota entry of the rule's name
 * replaces p1 (in ARGV itself, so that the algorithms and a settlement see it; the store never sends such a decision to the
 * counters), 4 replaces p1 and p3
 * (a gcra's burst left at its default), 0 neither (this call's own `limits` name the rule). `qa` collects each
 * rule's live quota (0 for none); a cost above a capacity in force is decided as 0, as the limiter asks one above
 * its rules' own. ARGV[3] "3" stores quotas instead (`setLimits`): no rules, then one (rule name, quota, ttlMs)
 * triple per quota; every quota entry is replaced, the rule states stay, the value's expiry is the stored one or
 * the latest quota's; one SET, and the reply `{now}`.
 *
 * Before `if fast or not`: the decision's reply ends in `qa`.
 *
 * Before `ps[2]=line(`: every write keeps the live quota entries (a release wrote them back already) and its PX covers
 * their `untilMs`.
 */
const PARTS: readonly (readonly [string, string])[] = [
  // First, before the algorithms: ARGV becomes a local copy, which the decide piece may write (Redis's own table is
  // writable on redis-server, but no engine promises it).
  ["local floor,", "local ARGV={unpack(ARGV)}"],
  [
    "local add=",
    `local qs,qa,cap=fmod(count,1)>0 and ARGV[#ARGV],{},cost
if mode=="3" then
for n in pairs(st) do if n:byte()==92 then st[n]=nil end end
for j=5,#ARGV,3 do st["\\\\"..ARGV[j]]={ARGV[j+1]+0,now+ARGV[j+2]} end
local e,ps=max(now,raw and tonumber(raw:match("\\n(%d+)")) or 0),{"1",""}
for n,s in pairs(st) do
if n:byte()==92 then e=max(e,s[2]) end
for j,v in ipairs(s) do s[j]=string.format("%.0f",v) end
push(ps,n,table.concat(s," "))
end
ps[2]=string.format("%.0f",e)
redis.call("SET",key,table.concat(ps,"\\n"),"PX",e-now+ARGV[4])
return {now}
end
for i=1,qs and count or 0 do
local q=st["\\\\"..ARGV[5*i+1]]
q=q and q[2]>now and q[1] or 0
for j=2,q>0 and qs:byte(i)-48 or 0,2 do ARGV[5*i+j]=q end
qa[i]=q
cap=min(cap,ARGV[5*i+(fmod(ARGV[5*i],8)==4 and 4 or 2)]+0)
end
if cap<cost and #mode<2 then cost=0 end`,
  ],
  ["if fast or not", "push(out,unpack(qa))"],
  [
    "ps[2]=line(",
    `for n,s in pairs(st) do
if n:byte()==92 and s[2]>now then
exp=max(exp,s[2])
if mode~="2" then push(ps,n,line(s)) end
end
end`,
  ],
];

/** `script` with the quota pieces put in before each line they name (each starts one line of it exactly once). */
export function withQuotas(script: string): string {
  return PARTS.reduce((text, [line, part]) => text.replace(`\n${line}`, `\n${part}\n${line}`), script);
}

/** The store's EVALSHA for a request (`run` in upstash.ts: ARGV[2], ARGV[3] and the values after the rules). */
export type UpstashRun = (
  request: StoreRequest,
  first: number,
  mode: string | number,
  extra: (string | number)[],
) => Promise<unknown>;

/** What `upstashStore({ quotas })` takes: the script with the quota pieces, and how a request with quotas is sent. */
export interface UpstashQuotas {
  /** The plain script, or `settle`'s, with the quota pieces, and its pinned SHA-1. */
  script(settle: UpstashSettle | undefined): UpstashSettle;
  readonly features: readonly StoreFeature[];
  /** A request with `quotas` (`setLimits`, or a decision under the stored quotas), in one EVALSHA. */
  apply(
    request: StoreRequest,
    run: UpstashRun,
    decode: (result: unknown, rules: number) => StoreResponse,
  ): Promise<StoreResponse>;
}

/** SHA-1 of `withQuotas(script)` by the SHA-1 of `script` (the plain script, upstashSettle's); a test recomputes them. */
const SHA1: Readonly<Record<string, string>> = {
  [UPSTASH_SCRIPT_SHA1]: "c424f147efb2c5b950ec6a69e69e1ea3ddb48c7f",
  "4743d1978f04008aee151cb9f90c2720aa3bde6c": "aaba0f1807d60589faae0479f4873cb2693c6c13",
};

/**
 * `upstashStore({ url, token, quotas: upstashQuotas })`: the store then keeps quotas stored with a key
 * (`limiter.setLimits` with `tenants: tenantLimits()`, docs/tenants.md) and decides under them. A separate export so
 * that a Worker that stores no quotas ships none of this Lua. With `settle: upstashSettle` too, the script does both.
 * A decision under stored quotas never uses the fixed-window counters: EVALSHA, GET and SET when allowed.
 */
export const upstashQuotas: UpstashQuotas = Object.freeze<UpstashQuotas>({
  features: Object.freeze(["shadow", "blockFor", "setLimits"] as const),
  script(settle: UpstashSettle | undefined): UpstashSettle {
    const { script, sha1 } = settle ?? { script: UPSTASH_SCRIPT, sha1: UPSTASH_SCRIPT_SHA1 };
    return { script: withQuotas(script), sha1: SHA1[sha1]! };
  },
  async apply(request, run, decode) {
    const { adjust, quotas, rules } = request;
    const set = quotas!.set;
    if (set) {
      const given = Object.entries(set.limits ?? {}).flatMap((entry) => [...entry, set.ttlMs]);
      const [now] = (await run({ ...request, rules: [] }, 0, "3", given)) as number[];
      return { outcomes: quotas!.apply(request, undefined).outcomes, now: now! };
    }
    // As upstash.ts sends a decision, with each rule's digit after its rules; the reply ends in each rule's quota.
    const digits = quotas!.fields.map((fields) => fields.length * 2).join("");
    const mode = adjust?.at ?? (request.consume ? "1" : "0");
    const result = await run(request, adjust?.delta ?? request.cost, mode, [digits]);
    const found = Array.isArray(result) ? result.splice(1 + 5 * rules.length) : [];
    const whole = found.length === rules.length && found.every(Number.isInteger);
    const response = decode(whole ? result : [result, found], rules.length);
    quotas!.told(rules, found);
    return response;
  },
});
