import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGES } from "../../components/catalog";

// A plain (fast) test: the default suite runs it, so the e2e tier's LiteLLM and the gateway image cannot drift.
const lock = readFileSync(join(__dirname, "requirements.txt"), "utf8");

describe("the e2e tier's pins", () => {
  it("LiteLLM in test/e2e/requirements.txt is the version of the gateway image the catalog pins", () => {
    const pinned = /^litellm==(\S+) \\$/m.exec(lock)?.[1];
    const tag = /^ghcr\.io\/berriai\/litellm:v(\d+\.\d+\.\d+)$/.exec(IMAGES.gateway)?.[1];
    expect(tag).toBeDefined();
    expect(pinned).toBe(tag);
  });

  it("every requirement is pinned to one version with at least one hash (pip --require-hashes)", () => {
    const entries = lock.split(/\n(?=[a-z0-9])/i).filter((e) => /^[a-z0-9]/i.test(e));
    expect(entries.length).toBeGreaterThan(50);
    for (const entry of entries) {
      expect(entry, entry.split("\n")[0]).toMatch(
        /^[A-Za-z0-9_.-]+==[^\s\\]+( ; [^\n]+)? \\\n\s+--hash=sha256:[0-9a-f]{64}/,
      );
    }
    for (const name of ["litellm", "redis", "prometheus-client", "modal", "prisma"]) {
      expect(lock, name).toMatch(new RegExp(`^${name}==`, "m"));
    }
  });
});
