import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { CloudModel } from "../plan";
import { RUNPOD_VLLM_IMAGE, type RunpodEndpointSpec } from "../runpod";

import { runpodCommandLine } from "../runpod/endpointCommand";

const SCRIPT = runpodCommandLine();

export interface RunpodServerlessEndpointArgs {
  /** The planned model (runtime runpod): repo, context, GPU, workers. */
  readonly model: CloudModel;
  /** Endpoint name on Runpod (unique in the account), e.g. `ai-layer-dev-chat`. */
  readonly endpointName: string;
  /** Runpod API key. Secret. */
  readonly apiKey: pulumi.Input<string>;
  /** Hugging Face token for gated repositories, stored as a Runpod secret reference, never in the template. */
  readonly hfTokenSecretName?: string;
  /**
   * Hugging Face token for gated repositories (ai-layer:hfToken). Secret: it reaches the command only as secret env
   * and the endpoint only in the create request, never the spec (a plain input) or the command's output.
   */
  readonly hfToken?: pulumi.Input<string>;
}

/** The Runpod endpoint spec for a planned model (pure: what create/update send). */
export function runpodEndpointSpec(
  model: CloudModel,
  endpointName: string,
  hfTokenSecretName?: string,
  hfTokenFromEnv = false,
): RunpodEndpointSpec {
  return {
    name: endpointName,
    image: RUNPOD_VLLM_IMAGE,
    model: model.huggingFaceRepo,
    ...(model.revision ? { revision: model.revision } : {}),
    ...(model.trustRemoteCode ? { trustRemoteCode: true } : {}),
    ...(model.codeRevision ? { codeRevision: model.codeRevision } : {}),
    servedModelName: model.name,
    maxModelLen: model.maxModelLen,
    gpuTypeIds: [model.gpu.providerId],
    workersMin: model.workers.min,
    workersMax: model.workers.max,
    idleTimeoutSeconds: model.idleTimeoutSeconds,
    ...(hfTokenSecretName ? { hfTokenEnv: `{{ RUNPOD_SECRET_${hfTokenSecretName} }}` } : {}),
    ...(hfTokenFromEnv ? { hfTokenFromEnv: true } : {}),
  };
}

/**
 * A Runpod serverless vLLM endpoint (template + endpoint) managed through components/runpod/endpointCommand.ts by the command
 * provider: create, update (PATCH of scaling fields, replacement otherwise) and delete (a missing endpoint counts
 * as deleted). `apiBase` is the OpenAI-compatible base URL the gateway routes the model name to.
 */
export class RunpodServerlessEndpoint extends pulumi.ComponentResource {
  /** `https://api.runpod.ai/v2/<endpoint id>/openai/v1`. */
  public readonly apiBase: pulumi.Output<string>;
  public readonly endpointId: pulumi.Output<string>;

  constructor(name: string, args: RunpodServerlessEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:RunpodServerlessEndpoint",
      name,
      { model: args.model.name, endpointName: args.endpointName },
      opts,
    );
    const fromEnv = args.hfToken !== undefined && !args.hfTokenSecretName;
    const spec = runpodEndpointSpec(args.model, args.endpointName, args.hfTokenSecretName, fromEnv);
    const cmd = new command.local.Command(
      name,
      {
        create: `${SCRIPT} create`,
        update: `${SCRIPT} update`,
        delete: `${SCRIPT} delete`,
        addPreviousOutputInEnv: true,
        environment: {
          RUNPOD_API_KEY: pulumi.secret(args.apiKey),
          ...(fromEnv ? { HF_TOKEN: pulumi.secret(args.hfToken!) } : {}),
          RUNPOD_ENDPOINT_SPEC: JSON.stringify(spec),
        },
        triggers: [JSON.stringify(spec)],
      },
      { parent: this },
    );
    const out = cmd.stdout.apply((s) => JSON.parse(s) as { endpointId: string; apiBase: string });
    this.apiBase = out.apply((o) => o.apiBase);
    this.endpointId = out.apply((o) => o.endpointId);
    this.registerOutputs({ apiBase: this.apiBase, endpointId: this.endpointId });
  }
}
