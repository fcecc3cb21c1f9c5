/**
 * Builds a value once per environment object. On Workers, bindings (`env`) arrive with each request, but the same
 * object repeats for every request of an isolate, so a limiter built from it is built once per isolate. An env
 * that cannot be a WeakMap key (undefined on Node) shares one value.
 */
export function oncePerEnv<A, T>(build: (arg: A) => T, envOf: (arg: A) => unknown): (arg: A) => T {
  const built = new WeakMap<object, T>();
  let plain: { value: T } | undefined;
  return (arg) => {
    const env = envOf(arg);
    if (typeof env !== "object" || env === null) {
      plain ??= { value: build(arg) };
      return plain.value;
    }
    if (!built.has(env)) built.set(env, build(arg));
    return built.get(env) as T;
  };
}
