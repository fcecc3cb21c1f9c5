import { memoryStore } from "../../src/stores/memory.ts";
import { testStore } from "../../src/testing/compliance.ts";

testStore({ name: "memory", create: () => memoryStore() });
