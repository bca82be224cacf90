import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The e2e tier (real LiteLLM, Redis, Prometheus) runs with vitest.e2e.config.mts: npm run test:e2e.
    exclude: [...configDefaults.exclude, "test/e2e/**/*.e2e.test.ts"],
    // Each file gets a fresh process: Pulumi's runtime keeps config and the mock monitor in globals
    // (see ../shared/reference/pulumi-practices.md §1.4), so files must not share them.
    pool: "forks",
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
