// The lock as shipped is empty (no digest could be read here): then the plan's summary says the images are pinned
// by tag. The summary test runs with an empty lock whatever the shipped one holds; the shape test reads the real
// one, whatever `npm run images:lock` wrote into it.
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runOffline } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { renderSummary } from "../bin/offline/summary";
import { catalogImageRefs, IMAGES } from "../components/catalog";

vi.mock("../components/catalog/imageDigests", () => ({ IMAGE_DIGESTS: {} }));

const ROOT = join(__dirname, "..");

describe("the shipped image lock", () => {
  it("holds only catalog references, each with a sha256 digest", async () => {
    const { IMAGE_DIGESTS } = await vi.importActual<typeof import("../components/catalog/imageDigests")>(
      "../components/catalog/imageDigests",
    );
    const refs = new Set(catalogImageRefs());
    for (const [ref, digest] of Object.entries(IMAGE_DIGESTS)) {
      expect(refs.has(ref), `${ref} is not a catalog image`).toBe(true);
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it("catalogImageRefs lists every image of the catalog and the Runpod worker, once", () => {
    const refs = catalogImageRefs();
    expect(refs).toEqual(expect.arrayContaining([...Object.values(IMAGES), "runpod/worker-v1-vllm:v2.25.2"]));
    expect(new Set(refs).size).toBe(refs.length);
  });
});

describe("summary without digests", () => {
  it.each(["dev", "cloud-gpu"])(
    "%s: each image line and the closing sentence say pinned by tag",
    async (stack) => {
      const config = readStackFile(join(ROOT, "stacks", `Pulumi.${stack}.yaml`));
      const r = await runOffline(stack, config);
      const summary = renderSummary(r.plan, r.resources, r.files);
      const section = summary.slice(summary.indexOf("## Images"), summary.indexOf("## Secrets"));
      const lines = section.split("\n").filter((l) => l.startsWith("- "));
      expect(lines.length).toBeGreaterThan(3);
      for (const l of lines) expect(l).toContain("(pinned by tag)");
      expect(section).toContain("The images are pinned by tag only");
      // cloud-gpu's Modal app runs the pinned vLLM image; its Runpod worker runs its own.
      if (stack === "cloud-gpu")
        expect(section).toMatch(/^- vllm: vllm\/vllm-openai:\S+ \(pinned by tag\)$/m);
      expect(section).toContain("npm run images:lock");
    },
  );
});
