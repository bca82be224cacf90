import { defineConfig } from "vitest/config";

// The e2e tier (npm run test:e2e): the real LiteLLM proxy, Redis and Prometheus on loopback, started from the
// rendered files (test/e2e/README in README.md). Files run one after another: each starts its own processes, and
// two LiteLLM start-ups at once on 2 cores would stretch the timeout bounds the tests check.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
