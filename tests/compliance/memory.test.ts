import { memoryStore } from "../../src/stores/memory.ts";
import { testStore } from "./suite.ts";

testStore({ name: "memory", create: () => memoryStore() });
