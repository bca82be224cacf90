import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * The slow tier (`npm run test:slow`): each file spawns processes (the plan CLI, tsx, npm pack, tsc on the
 * examples) or builds the packed package. Everything else is the unit and mock-runtime tier (`npm test`).
 * `.ci/run` runs both; `npx vitest run` runs both at once.
 */
export const SLOW_TESTS = [
  "test/package.test.ts",
  "test/examples.test.ts",
  "test/plan-cli.test.ts",
  "test/plan-cli.invalid.test.ts",
  "test/plan-cli.out.test.ts",
  "test/policies.cli.test.ts",
  "test/pulumi-local.test.ts",
  "test/runpod.command.test.ts",
  "test/launch.test.ts",
  "test/plan.checkouts.test.ts",
  "test/images-lock.test.ts",
];
/** The e2e tier (real LiteLLM, Redis, Prometheus): `npm run test:e2e` with vitest.e2e.config.mts. */
const E2E_TESTS = "test/e2e/**/*.e2e.test.ts";

export default defineConfig({
  test: {
    // Plans read EKS support phases by date: tests plan as of one fixed day, so they do not change with the
    // calendar (tests of the phases pass their own dates). AI_LAYER_TODAY: stacks/config.ts planDate.
    env: { AI_LAYER_TODAY: "2026-12-07" },
    // Each file gets a fresh process: Pulumi's runtime keeps config and the mock monitor in globals
    // (see ../shared/reference/pulumi-practices.md §1.4), so files must not share them.
    pool: "forks",
    isolate: true,
    // Vitest's default is one worker fewer than the CPUs: a single worker on a 2-core runner. Use every core.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...SLOW_TESTS, E2E_TESTS],
        },
      },
      { extends: true, test: { name: "slow", include: SLOW_TESTS } },
    ],
  },
});
