import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withReference } from "../bin/config-reference";
import { configReference, LayerSchema } from "../components/spec";

const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");

describe("README", () => {
  it("carries the config reference generated from the schema (run `npm run docs:config` after a schema change)", () => {
    expect(readme).toBe(withReference(readme));
  });

  it("documents every top-level config key and shows both commands", () => {
    for (const key of Object.keys(LayerSchema.shape)) expect(readme).toContain(`\`layer.${key}\``);
    expect(readme).toContain("npm ci && npm run plan -- dev");
    expect(readme).toContain("npm ci && npm test");
    expect(readme).toContain("npm run up -- dev");
  });

  it("has a description for every config field", () => {
    const rows = configReference().split("\n").slice(2);
    expect(rows.length).toBeGreaterThan(40);
    const undocumented = rows.filter((r) => r.trimEnd().endsWith("|  |") || /\|\s*\|$/.test(r.trimEnd()));
    expect(undocumented).toEqual([]);
  });
});
