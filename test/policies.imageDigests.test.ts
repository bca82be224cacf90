// images-pinned-by-digest: where it reads images (Docker, Kubernetes, EC2 boot scripts, Runpod, Modal), advisory by
// default and mandatory for a stack that opts in; and the plan's own refusal of tag-only images for such a stack.
import { describe, expect, it, vi } from "vitest";
import { IMAGES } from "../components/catalog";
import { plan } from "../components/plan";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { evaluate, type StackResource } from "../policies/rules";
import { imagesPinnedByDigest } from "../policies/rules/images";

// This file is about the opt-in, not the shipped lock: the lock is empty here whatever it holds.
vi.mock("../components/catalog/imageDigests", () => ({ IMAGE_DIGESTS: {} }));

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const ctx = { config: {}, name: "r", secretsMasked: true };
const check = (type: string, props: Record<string, unknown>) => imagesPinnedByDigest.check(type, props, ctx);
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("where the rule reads images", () => {
  it.each([
    ["docker RemoteImage", "docker:index/remoteImage:RemoteImage", { name: "redis:7.4.11-alpine" }],
    [
      "docker container naming its image",
      "docker:index/container:Container",
      { image: "redis:7.4.11-alpine" },
    ],
    [
      "Kubernetes Deployment",
      "kubernetes:apps/v1:Deployment",
      { spec: { template: { spec: { containers: [{ name: "c", image: "redis:7.4.11-alpine" }] } } } },
    ],
    [
      "EC2 launch template user data (base64)",
      "aws:ec2/launchTemplate:LaunchTemplate",
      { userData: b64("#!/bin/bash\nreadonly IMAGE='redis:7.4.11-alpine'\n") },
    ],
    [
      "control host user data",
      "aws:ec2/instance:Instance",
      { userData: "#!/bin/bash\n  pull_image 'redis:7.4.11-alpine'\n" },
    ],
    [
      "Runpod endpoint command",
      "command:local:Command",
      { environment: { RUNPOD_ENDPOINT_SPEC: JSON.stringify({ image: "redis:7.4.11-alpine" }) } },
    ],
    [
      "Modal deploy command",
      "command:local:Command",
      { environment: { AI_LAYER_MODAL_APP: 'import modal\nVLLM_IMAGE = "redis:7.4.11-alpine"\n' } },
    ],
  ])("%s: a tag-only image is flagged, the same with a digest is not", (_what, type, props) => {
    const text = JSON.stringify(props);
    expect(check(type, props)).toEqual([
      expect.stringMatching(/redis:7\.4\.11-alpine is pinned by tag only$/),
    ]);
    const pinned = JSON.parse(text.replaceAll("redis:7.4.11-alpine", `redis:7.4.11-alpine@${DIGEST}`));
    const pinnedB64 =
      type === "aws:ec2/launchTemplate:LaunchTemplate"
        ? { userData: b64(`#!/bin/bash\nreadonly IMAGE='redis:7.4.11-alpine@${DIGEST}'\n`) }
        : pinned;
    expect(check(type, pinnedB64)).toEqual([]);
  });
});

describe("level", () => {
  const image: StackResource = {
    type: "docker:index/remoteImage:RemoteImage",
    name: "img",
    props: { name: "redis:7.4.11-alpine" },
  };
  const stack = (props: Record<string, unknown>): StackResource => ({
    type: "pulumi:pulumi:Stack",
    name: "s",
    props,
  });
  const level = (resources: StackResource[], file = {}) =>
    evaluate(resources, file).find((f) => f.rule === "images-pinned-by-digest")?.level;

  it("advisory by default", () => expect(level([stack({}), image])).toBe("advisory"));
  it("mandatory when the stack opts in (output requireImageDigests)", () =>
    expect(level([stack({ requireImageDigests: true }), image])).toBe("mandatory"));
  it("mandatory when the policy config says so (the CrossGuard pack's way)", () =>
    expect(level([stack({}), image], { "images-pinned-by-digest": "mandatory" })).toBe("mandatory"));
  it("disabled in the policy config stays off", () =>
    expect(
      level([stack({ requireImageDigests: true }), image], { "images-pinned-by-digest": "disabled" }),
    ).toBeUndefined());
});

describe("layer.security.requireImageDigests", () => {
  const dev = (extra: object = {}) =>
    parseLayerSpec({
      target: { kind: "docker" },
      models: [{ name: "chat", model: "llama-3.2-3b-instruct" }],
      monitoring: { enabled: false },
      security: { requireImageDigests: true },
      ...extra,
    });

  it("defaults to false: tag-only images plan", () => {
    const p = plan(
      parseLayerSpec({ target: { kind: "docker" }, models: [{ name: "c", model: "llama-3.2-3b-instruct" }] }),
      {
        stack: "t",
      },
    );
    expect(p.requireImageDigests).toBeUndefined();
  });

  it("refuses every tag-only image the layer runs, at the config path that sets it, with the fix", () => {
    try {
      plan(dev(), { stack: "t" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LayerConfigError);
      const problems = (e as LayerConfigError).problems;
      expect(problems.map((p) => p.path).sort()).toEqual(
        [
          "layer.images.ollama",
          "layer.images.gateway",
          "layer.images.redis",
          "layer.images.redisExporter",
        ].sort(),
      );
      expect(problems[0]!.message).toMatch(/pinned by tag only.*npm run images:lock/);
    }
  });

  it("GPU clouds: the Modal app's vLLM image and the Runpod worker are refused too", () => {
    const cloud = parseLayerSpec({
      target: { kind: "docker" },
      models: [
        {
          name: "a",
          model: "llama-3.2-3b-instruct",
          backend: { kind: "modal", workspace: "w", gpu: { type: "L4" } },
        },
        { name: "b", model: "llama-3.2-3b-instruct", backend: { kind: "runpod", gpu: { type: "L4" } } },
      ],
      security: { requireImageDigests: true },
    });
    const secrets = new Set([
      "modalTokenId",
      "modalTokenSecret",
      "modalProxyTokenId",
      "modalProxyTokenSecret",
      "runpodApiKey",
      "hfToken",
    ]);
    try {
      plan(cloud, { stack: "t", providedSecrets: secrets });
      expect.unreachable();
    } catch (e) {
      const paths = (e as LayerConfigError).problems.map((p) => p.path);
      expect(paths).toContain("layer.images.vllm");
      expect(paths).toContain("layer.models[1].backend");
    }
  });

  it("plans when every image in use carries a digest (overrides here; the lock does the same)", () => {
    const at = (ref: string) => `${ref}@${DIGEST}`;
    const p = plan(
      dev({
        images: {
          ollama: at(IMAGES.ollama),
          gateway: at(IMAGES.gateway),
          redis: at(IMAGES.redis),
          redisExporter: at(IMAGES.redisExporter),
        },
      }),
      { stack: "t" },
    );
    expect(p.requireImageDigests).toBe(true);
    expect(p.images.gateway).toBe(at(IMAGES.gateway));
  });
});

it("a container that runs a RemoteImage's id (a content address) is left to the RemoteImage", () => {
  const props = { image: DIGEST, labels: [{ label: "ai-layer.image", value: "redis:7.4.11-alpine" }] };
  expect(check("docker:index/container:Container", props)).toEqual([]);
});
