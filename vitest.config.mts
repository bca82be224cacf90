import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file gets a fresh process: Pulumi's runtime keeps config and the mock monitor in globals
    // (see ../shared/reference/pulumi-practices.md §1.4), so files must not share them.
    pool: "forks",
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
