import { type Decision, type Reason, type RuleInfo, ruleDecision } from "../decision.ts";
import { toStoreError } from "../errors.ts";
import { latencyWindow } from "../metrics.ts";
import type { StoreResponse } from "../store.ts";
import { CircuitOpenError, TimeoutError } from "./failures.ts";
import type { Layer } from "./layer.ts";

/**
 * The failure policy as a layer (`onStoreError`, default `"allow"`): when the call fails (an error, a `TimeoutError`,
 * or a `CircuitOpenError` from the breaker inside), it counts the failure, tells `onError`, and answers
 * `degraded: true` by allowing, denying, throwing the `StoreError`, or asking the fallback store. It also counts the
 * calls that reached the store and their latency (`metrics().storeLatencyMs`). Reset, release and ping go through.
 */
export const failurePolicy: Layer = {
  check: (options, problems) => {
    const policy = options.onStoreError;
    // Anything but fallbackTo()'s policy is reported by createRateLimiter's own check of onStoreError.
    if (typeof policy !== "object" || !policy?.problems) return {};
    problems.push(...policy.problems(options.rules ?? []));
    return { fallbackShare: policy.share };
  },
  wrap(inner, _settings, context) {
    const { options, counters, infosOf } = context;
    const { onError, onStoreError: policy = "allow" } = options;
    const fallback = typeof policy === "object" ? policy.answerWith(context) : undefined;
    const latencies = latencyWindow();
    context.probes.latency = () => latencies.summary();
    return {
      ...inner,
      async apply(request) {
        const started = performance.now();
        let response: StoreResponse;
        try {
          response = await inner.apply(request);
        } catch (cause) {
          const open = cause instanceof CircuitOpenError;
          const timedOut = cause instanceof TimeoutError;
          const error = toStoreError(inner.name, cause);
          counters.degraded++;
          if (!open) {
            if (timedOut) counters.timeouts++;
            else counters.errors++;
            if (onError) quietly(() => onError(error));
          }
          const reason: Reason = timedOut ? "timeout" : "store-error";
          // As the request's rules say: a call's own quotas (`limits`) are the ones in force.
          const infos = infosOf(request.rules);
          let decision: Decision;
          // A fallback that fails too allows, as the failure policy of a fallback always has.
          if (fallback) {
            const answer = await fallback(request).catch(() => degraded(infos, true, reason, request.now));
            decision = { ...answer, reason, degraded: true };
          } else if (policy === "throw") throw error;
          else decision = degraded(infos, policy === "allow", reason, request.now);
          response = { outcomes: [], now: request.now, decision };
          // The breaker answered: no store call was made.
          if (open) return { ...response, requests: 0 };
        }
        const latencyMs = performance.now() - started;
        counters.storeCalls++;
        latencies.record(latencyMs);
        return { ...response, latencyMs };
      },
    };
  },
};

/** The failure policy's answer when the store did not decide: no real numbers, so `remaining` is 0. */
function degraded(infos: readonly RuleInfo[], allowed: boolean, reason: Reason, now: number): Decision {
  const retryAfterMs = allowed ? 0 : 1000;
  const rules = infos.map((info) => ruleDecision(info, { allowed, remaining: 0, resetAt: now, retryAfterMs }));
  const limit = infos[0]!.quota;
  return { allowed, limit, remaining: 0, resetAt: now, retryAfterMs, reason, degraded: true, now, rules };
}

function quietly(hook: () => void): void {
  try {
    hook();
  } catch {
    // A failing hook must not change the decision.
  }
}
