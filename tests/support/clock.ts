const DAY = 86_400_000;

/**
 * A fixed test time: tomorrow's UTC midnight plus `offsetMs`. Every window the tests use divides a day, so
 * decisions are the same on every run; and it lies in the future, so stores whose TTLs run on real time
 * (DynamoDB Local deletes expired items within seconds, Redis `PX`) keep what the tests write.
 */
export function tomorrowAt(offsetMs: number): number {
  return Math.floor(Date.now() / DAY) * DAY + DAY + offsetMs;
}
