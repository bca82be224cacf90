// The image lock (components/catalog/imageDigests.ts): with a lock that holds a digest for every reference, every
// image a shipped stack runs carries it — Docker images, pod specs, the control host's and GPU hosts' user data,
// the Runpod endpoint and the Modal app. The digests here are a fixture (sha256 of the reference's text), not
// registry digests: the shipped lock is empty, which the summary test in images.summary.test.ts covers.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { policyResources, runPolicies } from "../bin/offline/policyReport";
import { runOffline, type OfflineResult } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { renderSummary } from "../bin/offline/summary";
import { IMAGES, lockedImage, RUNPOD_WORKER } from "../components/catalog";
import { modalAppSpec } from "../components/cloud/modal";
import { isCloud } from "../components/plan";
import { renderModalApp } from "../components/render";

const fakeDigest = (ref: string) => `sha256:${createHash("sha256").update(ref).digest("hex")}`;

vi.mock("../components/catalog/imageDigests", async () => {
  const { createHash: hash } = await import("node:crypto");
  const digest = (ref: string) => `sha256:${hash("sha256").update(ref).digest("hex")}`;
  // Every reference has a digest in this lock, whichever the config names.
  return {
    IMAGE_DIGESTS: new Proxy({}, { get: (_, ref) => (typeof ref === "string" ? digest(ref) : undefined) }),
  };
});

const ROOT = join(__dirname, "..");
const STACKS = ["dev", "staging", "prod", "cloud-gpu", "gpu-fleet"] as const;
const CATALOG = [...Object.values(IMAGES), RUNPOD_WORKER.image];

/**
 * Every resource input as text, base64 user data decoded (EC2 launch templates take it encoded), and each Modal
 * app's source (it reaches `modal deploy` in the command's environment, which is secret and so masked).
 */
function allText(result: OfflineResult): string {
  const texts: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      texts.push(v);
      if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(v)) texts.push(Buffer.from(v, "base64").toString("utf8"));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const r of result.resources) walk(r.inputs);
  for (const f of result.files) texts.push(f.content);
  texts.push(...modalApps(result));
  return texts.join("\n");
}

const modalApps = (result: OfflineResult) =>
  result.plan.models
    .filter(isCloud)
    .filter((m) => m.runtime === "modal")
    .map((m) => renderModalApp(modalAppSpec(m, m.appName, true)));

/** Each catalog reference in `text`, and whether every occurrence carries the lock's digest. */
function occurrences(text: string) {
  return CATALOG.flatMap((ref) => {
    const at = [...text.matchAll(new RegExp(ref.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"), "g"))];
    return at.map((m) => ({ ref, pinned: text.startsWith(`@${fakeDigest(ref)}`, m.index + ref.length) }));
  });
}

describe("lockedImage", () => {
  it("joins the lock's digest onto the reference, and keeps a reference that has one", () => {
    const ref = IMAGES.gateway;
    expect(lockedImage(ref)).toBe(`${ref}@${fakeDigest(ref)}`);
    const pinned = `${ref}@sha256:${"a".repeat(64)}`;
    expect(lockedImage(pinned)).toBe(pinned);
    expect(lockedImage(ref, {})).toBe(ref);
  });

  it("refuses a lock entry that is not a sha256 digest, naming the lock file and the fix", () => {
    expect(() => lockedImage("redis:7", { "redis:7": "sha256:abc" })).toThrow(
      /imageDigests\.ts.*redis:7.*npm run images:lock/,
    );
  });
});

describe.each(STACKS)("stack %s with a full lock", (stack) => {
  let result: OfflineResult;
  const planned = async () =>
    (result ??= await runOffline(stack, readStackFile(join(ROOT, "stacks", `Pulumi.${stack}.yaml`))));

  it("every catalog image it runs carries the digest, wherever it is named", async () => {
    const found = occurrences(allText(await planned()));
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((o) => !o.pinned).map((o) => o.ref)).toEqual([]);
  });

  it("the summary says every image is pinned by digest", async () => {
    const r = await planned();
    const summary = renderSummary(r.plan, r.resources, r.files);
    expect(summary).toContain("All images are pinned by digest");
    expect(summary).not.toMatch(/\(pinned by tag\)/);
  });
});

describe("where each target names its images", () => {
  const run = (stack: string) =>
    runOffline(stack, readStackFile(join(ROOT, "stacks", `Pulumi.${stack}.yaml`)));
  const withDigest = (ref: string) => `${ref}@${fakeDigest(ref)}`;

  it("docker: RemoteImage names", async () => {
    const r = await run("dev");
    const names = r.resources.filter((x) => x.type === "docker:index/remoteImage:RemoteImage");
    expect(names.map((x) => (x.inputs as { name: string }).name)).toContain(withDigest(IMAGES.gateway));
  });

  it("kubernetes: the vLLM and gateway containers", async () => {
    const text = JSON.stringify((await run("staging")).resources);
    expect(text).toContain(`"image":"${withDigest(IMAGES.vllm)}"`);
    expect(text).toContain(`"image":"${withDigest(IMAGES.gateway)}"`);
  });

  it("Runpod endpoint spec and Modal app", async () => {
    const text = allText(await run("cloud-gpu"));
    expect(text).toContain(`"image":"${withDigest(RUNPOD_WORKER.image)}"`);
    expect(text).toContain(`VLLM_IMAGE = "${withDigest(IMAGES.vllm)}"`);
  });

  it("aws-ec2: control host and GPU host user data", async () => {
    const text = allText(await run("gpu-fleet"));
    expect(text).toContain(`pull_image '${withDigest(IMAGES.gateway)}'`);
    expect(text).toContain(`readonly IMAGE='${withDigest(IMAGES.vllm)}'`);
  });
});

describe("a stack that opts in (layer.security.requireImageDigests) with a full lock", () => {
  it("plans, exports requireImageDigests for the policy, and the digest policy finds nothing", async () => {
    const config = readStackFile(join(ROOT, "stacks", "Pulumi.staging.yaml"));
    const layer = {
      ...JSON.parse(config.values["ai-layer:layer"]!),
      security: { requireImageDigests: true },
    };
    const optedIn = { ...config, values: { ...config.values, "ai-layer:layer": JSON.stringify(layer) } };
    const r = await runOffline("staging", optedIn);
    expect(r.outputs.requireImageDigests).toBe(true);
    const report = runPolicies(policyResources("staging", r.resources, r.outputs), {});
    expect(report.findings.filter((f) => f.rule === "images-pinned-by-digest")).toEqual([]);
  });
});
