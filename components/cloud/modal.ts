import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { CloudModel } from "../plan";
import { modalEndpointUrl, renderModalApp, type ModalAppSpec } from "../render";

export interface ModalVllmAppArgs {
  /** The planned model (runtime modal): repo, context, GPU, workers, workspace. */
  readonly model: CloudModel;
  /** Modal app name (a DNS label; part of the URL), e.g. `ai-layer-dev-chat`. */
  readonly appName: string;
  /** Key vLLM requires (`--api-key` from the Modal Secret); the gateway sends it. Secret. */
  readonly vllmApiKey: pulumi.Input<string>;
  /** Modal token id for `modal deploy` (ai-layer:modalTokenId). Secret. */
  readonly tokenId: pulumi.Input<string>;
  /** Modal token secret for `modal deploy` (ai-layer:modalTokenSecret). Secret. */
  readonly tokenSecret: pulumi.Input<string>;
  /** Hugging Face token for gated repositories (stored in a Modal Secret). Secret. */
  readonly hfToken?: pulumi.Input<string>;
}

/** The generated app for a planned model (pure). */
export function modalAppSpec(model: CloudModel, appName: string, withHfToken: boolean): ModalAppSpec {
  return {
    appName,
    servedModelName: model.name,
    huggingFaceRepo: model.huggingFaceRepo,
    ...(model.revision ? { revision: model.revision } : {}),
    maxModelLen: model.maxModelLen,
    gpu: { type: model.gpu.providerId, count: model.gpu.count },
    vllmImage: model.image,
    minContainers: model.workers.min,
    maxContainers: model.workers.max,
    scaledownWindowSeconds: model.idleTimeoutSeconds,
    apiKeySecretName: `${appName}-vllm`,
    ...(withHfToken ? { hfSecretName: `${appName}-hf` } : {}),
    extraArgs: [],
  };
}

/**
 * The shell the command provider runs: store the secrets as Modal Secrets, write the generated app, deploy it.
 * Everything secret arrives in env vars; nothing is written to the app file. Needs the `modal` CLI (pip install
 * modal) where `pulumi up` runs.
 */
export function modalDeployScript(appName: string, withHfToken: boolean): string {
  return [
    "set -eu",
    "dir=$(mktemp -d)",
    "trap 'rm -rf \"$dir\"' EXIT",
    `modal secret create --force ${appName}-vllm VLLM_API_KEY="$VLLM_API_KEY" >/dev/null`,
    ...(withHfToken ? [`modal secret create --force ${appName}-hf HF_TOKEN="$HF_TOKEN" >/dev/null`] : []),
    'printf \'%s\' "$AI_LAYER_MODAL_APP" > "$dir/app.py"',
    'modal deploy "$dir/app.py"',
  ].join("\n");
}

/** A Modal app serving one model with vLLM, deployed with `modal deploy` and stopped on delete. */
export class ModalVllmApp extends pulumi.ComponentResource {
  /** `https://<workspace>--<app>-serve.modal.run/v1`. */
  public readonly apiBase: string;

  constructor(name: string, args: ModalVllmAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:ModalVllmApp", name, { model: args.model.name, appName: args.appName }, opts);
    const withHf = args.hfToken !== undefined;
    const app = renderModalApp(modalAppSpec(args.model, args.appName, withHf));
    new command.local.Command(
      name,
      {
        create: modalDeployScript(args.appName, withHf),
        delete: `modal app stop ${args.appName}`,
        environment: {
          AI_LAYER_MODAL_APP: app,
          MODAL_TOKEN_ID: pulumi.secret(args.tokenId),
          MODAL_TOKEN_SECRET: pulumi.secret(args.tokenSecret),
          VLLM_API_KEY: pulumi.secret(args.vllmApiKey),
          ...(withHf ? { HF_TOKEN: pulumi.secret(args.hfToken!) } : {}),
        },
        // A changed app redeploys (create runs again; modal deploy updates in place).
        triggers: [app],
      },
      { parent: this },
    );
    this.apiBase = args.model.apiBase ?? modalEndpointUrl(args.model.workspace!, args.appName);
    this.registerOutputs({ apiBase: this.apiBase });
  }
}
