export { seeded } from "../../src/testing/random.ts";
