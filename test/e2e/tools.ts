import { accessSync, constants } from "node:fs";
import { describe, expect, it } from "vitest";
import { requireTool } from "../helpers/tools";
import { LITELLM_BIN, VENV_PYTHON } from "./layer";

const INSTALL = "run test/e2e/install.sh";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The tools an e2e file needs, by the name a skip reason shows. */
const CHECKS: Record<string, () => boolean> = {
  "litellm (.venv-e2e)": () => executable(LITELLM_BIN),
  "python (.venv-e2e)": () => executable(VENV_PYTHON),
  "redis-server": () => requireTool("redis-server"),
  "redis-cli": () => requireTool("redis-cli"),
  prometheus: () => requireTool("prometheus"),
  "prometheus-redis-exporter": () => requireTool("prometheus-redis-exporter"),
};

/**
 * A describe that needs `tools`: skipped with the missing tools named in its title on a workstation, run (and
 * failing) when CI=true, where a missing tool is an install bug; a CI-only test names the missing tool too.
 */
export function describeWithTools(title: string, tools: readonly string[], fn: () => void): void {
  const missing = tools.filter((t) => !CHECKS[t]!());
  it.runIf(process.env.CI === "true")(`${tools.join(", ")} installed (checked when CI=true)`, () => {
    expect(missing, `missing on CI; ${INSTALL}`).toEqual([]);
  });
  const skip = missing.length > 0 && process.env.CI !== "true";
  const fullTitle = skip ? `${title} (skipped: ${missing.join(", ")} not installed; ${INSTALL})` : title;
  describe.skipIf(skip)(fullTitle, fn);
}
