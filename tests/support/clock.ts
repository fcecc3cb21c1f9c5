export { tomorrowAt } from "../../src/testing/clock.ts";
