// --trust-remote-code only with pinned commits: the model's (weights, tokenizer) and its code's (another repository
// for nomic-bert). The catalog pins nomic-embed-text-v1.5; a repository it does not pin is refused without them.
// Every vLLM path gets the same flags: Kubernetes/EC2 args, the Modal app, the Runpod worker's env.
import { describe, expect, it } from "vitest";
import { findModel } from "../components/catalog";
import { modalAppSpec } from "../components/cloud/modal";
import { runpodEndpointSpec } from "../components/cloud/runpod";
import { isCloud, isVllm, plan, type CloudModel } from "../components/plan";
import { renderModalApp, renderVllmArgs } from "../components/render";
import { endpointRequest, validateRunpodSpec } from "../components/runpod/endpoint";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { CATALOG } from "./helpers/runpodFake";

const NOMIC = findModel("nomic-embed-text-v1.5")!;
const SECRETS = new Set([
  "modalTokenId",
  "modalTokenSecret",
  "modalProxyTokenId",
  "modalProxyTokenSecret",
  "runpodApiKey",
  "hfToken",
]);
const cluster = (embed: object) => ({
  target: { kind: "kubernetes", context: "c" },
  models: [{ name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" }, ...embed }],
});
const build = (raw: object) => plan(parseLayerSpec(raw), { stack: "t", providedSecrets: SECRETS });
const problems = (raw: object) => {
  try {
    build(raw);
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a refusal");
};

describe("the catalog's pins", () => {
  it("nomic-embed-text-v1.5 runs remote code from nomic-ai/nomic-bert-2048, both repositories pinned to a commit", () => {
    expect(NOMIC).toMatchObject({
      trustRemoteCode: true,
      revision: "e9b6763023c676ca8431644204f50c2b100d9aab",
      codeRepo: "nomic-ai/nomic-bert-2048",
      codeRevision: "7710840340a098cfb869c4f65e87cf2b1b70caca",
    });
  });
});

describe("kubernetes (and aws-ec2: the same args)", () => {
  it("vLLM gets --revision, --trust-remote-code, --code-revision and --tokenizer-revision", () => {
    const m = build(cluster({})).models.find(isVllm)!;
    const args = renderVllmArgs(m, m.tracks[0]!, 8000);
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args).toContain("--trust-remote-code");
    expect(after("--revision")).toBe(NOMIC.revision);
    expect(after("--tokenizer-revision")).toBe(NOMIC.revision);
    expect(after("--code-revision")).toBe(NOMIC.codeRevision);
  });

  it("a configured revision wins; the code stays pinned to the catalog's commit of its own repository", () => {
    const m = build(cluster({ revision: "abc123" })).models.find(isVllm)!;
    const args = renderVllmArgs(m, m.tracks[0]!, 8000);
    expect(args[args.indexOf("--revision") + 1]).toBe("abc123");
    expect(args[args.indexOf("--code-revision") + 1]).toBe(NOMIC.codeRevision);
  });

  it("another repository without commits is refused, naming both paths and the fix", () => {
    const found = problems(cluster({ huggingFaceRepo: "acme/nomic-finetune" }));
    expect(found).toEqual([
      {
        path: "layer.models[0].revision",
        message: expect.stringContaining(
          "set layer.models[0].revision to the commit sha of acme/nomic-finetune",
        ),
      },
      {
        path: "layer.models[0].codeRevision",
        message: expect.stringContaining("set layer.models[0].codeRevision to the commit sha of"),
      },
    ]);
  });

  it("with both commits given, another repository plans", () => {
    const m = build(
      cluster({ huggingFaceRepo: "acme/nomic-finetune", revision: "r1", codeRevision: "c1" }),
    ).models.find(isVllm)!;
    expect(m).toMatchObject({ codeRevision: "c1", tracks: [{ revision: "r1" }] });
  });

  it("a canary of another repository needs its own revision", () => {
    const found = problems(cluster({ canary: { weight: 10, huggingFaceRepo: "acme/nomic-finetune" } }));
    expect(found.map((p) => p.path)).toEqual(["layer.models[0].canary.revision"]);
    const ok = build(cluster({ canary: { weight: 10, huggingFaceRepo: "acme/x", revision: "r2" } }));
    expect(ok.models.find(isVllm)!.tracks.map((t) => t.revision)).toEqual([NOMIC.revision, "r2"]);
  });

  it("a model without remote code gets no remote-code flags", () => {
    const raw = {
      target: { kind: "kubernetes", context: "c" },
      models: [{ name: "chat", model: "llama-3.2-3b-instruct", gpu: { type: "L4" } }],
    };
    const m = build(raw).models.find(isVllm)!;
    const args = renderVllmArgs(m, m.tracks[0]!, 8000);
    for (const flag of ["--trust-remote-code", "--code-revision", "--tokenizer-revision", "--revision"])
      expect(args).not.toContain(flag);
  });
});

describe("GPU clouds", () => {
  const onCloud = (backend: object, extra: object = {}) =>
    build({
      target: { kind: "docker" },
      models: [{ name: "embed", model: "nomic-embed-text-v1.5", backend, ...extra }],
    }).models.find(isCloud) as CloudModel;
  const modal = { kind: "modal", workspace: "acme", gpu: { type: "L4" } };
  const runpod = { kind: "runpod", gpu: { type: "L4" } };

  it("the Modal app passes the pinned commits to vLLM", () => {
    const m = onCloud(modal);
    const app = renderModalApp(modalAppSpec(m, m.appName, false));
    expect(app).toContain(`HF_REVISION = "${NOMIC.revision}"`);
    expect(app).toContain(
      `"--trust-remote-code", "--code-revision", "${NOMIC.codeRevision}", "--tokenizer-revision", "${NOMIC.revision}"`,
    );
  });

  it("the Runpod worker gets them as env (MODEL_REVISION, TRUST_REMOTE_CODE, CODE_REVISION, TOKENIZER_REVISION)", () => {
    const body = endpointRequest(runpodEndpointSpec(onCloud(runpod), "x"), CATALOG);
    expect(body.env).toMatchObject({
      MODEL_REVISION: NOMIC.revision,
      TRUST_REMOTE_CODE: "true",
      CODE_REVISION: NOMIC.codeRevision,
      TOKENIZER_REVISION: NOMIC.revision,
    });
  });

  it("a Runpod spec that trusts remote code without commits is refused", () => {
    const spec = runpodEndpointSpec(onCloud(runpod), "x");
    expect(() => validateRunpodSpec({ ...spec, codeRevision: undefined })).toThrow(
      /revision and codeRevision/,
    );
  });

  it("another repository on a GPU cloud is refused without commits", () => {
    const found = () => onCloud(modal, { huggingFaceRepo: "acme/nomic-finetune" });
    expect(found).toThrow(/layer\.models\[0\]\.revision/);
  });
});
