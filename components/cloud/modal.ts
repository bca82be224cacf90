import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { CloudModel } from "../plan";
import { modalEndpointUrl, remoteCodeArgs, renderModalApp, type ModalAppSpec } from "../render";

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
    // A model that runs remote code gets the same flags and pinned commits as on the other targets.
    extraArgs: remoteCodeArgs(model, model.revision),
  };
}

/** The Modal Secrets an app reads: `<app>-vllm` (VLLM_API_KEY) and, for gated repositories, `<app>-hf` (HF_TOKEN). */
export function modalSecretNames(appName: string, withHfToken: boolean): string[] {
  return [`${appName}-vllm`, ...(withHfToken ? [`${appName}-hf`] : [])];
}

/** Env var of the command that carries a secret's `--from-json` body (`{"<KEY>": "<value>"}`). */
const SECRET_ENV = { vllm: "AI_LAYER_MODAL_SECRET_VLLM", hf: "AI_LAYER_MODAL_SECRET_HF" } as const;

/**
 * The deploy step (create and update): store the secrets as Modal Secrets, write the generated app, deploy it.
 * `modal deploy` of an existing app name updates that app in place, so an update is a redeploy, never a stop.
 * Secret values never reach a command line (argv is visible to every user in `ps`): each secret's JSON arrives in
 * an env var, `printf` (a shell builtin, so no process carries it in argv) writes it to a file in a mktemp
 * directory under umask 077, and `modal secret create --from-json <file>` reads it (modal 1.6.4
 * modal/cli/secret.py `create`: `--from-json` loads a JSON object of string values); the files are removed right
 * after and the directory on exit. Needs the `modal` CLI (pip install modal) where `pulumi up` runs.
 */
export function modalDeployScript(appName: string, withHfToken: boolean): string {
  const [vllm, hf] = modalSecretNames(appName, withHfToken);
  const secret = (name: string, env: string) => [
    `printf '%s' "$${env}" > "$dir/secret.json"`,
    `modal secret create --force ${name} --from-json "$dir/secret.json" >/dev/null`,
    'rm -f "$dir/secret.json"',
  ];
  return [
    "set -eu",
    "umask 077",
    "dir=$(mktemp -d)",
    "trap 'rm -rf \"$dir\"' EXIT",
    ...secret(vllm!, SECRET_ENV.vllm),
    ...(hf ? secret(hf, SECRET_ENV.hf) : []),
    'printf \'%s\' "$AI_LAYER_MODAL_APP" > "$dir/app.py"',
    'modal deploy "$dir/app.py"',
  ].join("\n");
}

/**
 * The delete step: stop the app, then delete its secrets; idempotent, so a destroy after a manual stop, a retried
 * destroy, or a delete of an app that never deployed succeeds, while any other failure (auth, network) still fails.
 * From modal 1.6.4:
 * - modal/cli/app.py `stop`: an app already stopped raises `SystemExit("App is already stopped. …")` before any
 *   prompt; a name with no deployed or recently stopped app raises NotFoundError from `resolve_app_identifier`
 *   ("No App with name '<name>' found in the '<env>' environment."), printed by modal/__main__.py `main` as
 *   `Error: …` on stderr; both exit 1. Without `--yes` it calls modal/cli/utils.py `confirm_or_suggest_yes`, which
 *   aborts when stdin is not a TTY (it never is under the command provider), so `--yes` is required.
 * - modal/cli/secret.py `delete`: `--allow-missing` ("Don't error if the Secret doesn't exist") and `--yes`.
 */
export function modalStopScript(appName: string, withHfToken: boolean): string {
  return [
    "set -u",
    "err=$(mktemp)",
    "trap 'rm -f \"$err\"' EXIT",
    "status=0",
    `modal app stop --yes ${appName} </dev/null 2>"$err" || status=$?`,
    'if [ "$status" -ne 0 ]; then',
    `  if grep -q -F -e 'App is already stopped' -e "No App with name '${appName}' found" "$err"; then`,
    `    echo "modal app ${appName} was already stopped (or never deployed)"`,
    "  else",
    '    cat "$err" >&2',
    '    exit "$status"',
    "  fi",
    "fi",
    "set -e",
    ...modalSecretNames(appName, withHfToken).map(
      (name) => `modal secret delete --yes --allow-missing ${name} </dev/null`,
    ),
  ].join("\n");
}

/** The command's environment from plain values (the component wraps it as one Pulumi secret). */
export function modalCommandEnvironment(
  app: string,
  secrets: { tokenId: string; tokenSecret: string; vllmApiKey: string; hfToken?: string },
): Record<string, string> {
  return {
    AI_LAYER_MODAL_APP: app,
    MODAL_TOKEN_ID: secrets.tokenId,
    MODAL_TOKEN_SECRET: secrets.tokenSecret,
    [SECRET_ENV.vllm]: JSON.stringify({ VLLM_API_KEY: secrets.vllmApiKey }),
    ...(secrets.hfToken !== undefined
      ? { [SECRET_ENV.hf]: JSON.stringify({ HF_TOKEN: secrets.hfToken }) }
      : {}),
  };
}

/** A Modal app serving one model with vLLM, deployed with `modal deploy` and stopped on delete. */
export class ModalVllmApp extends pulumi.ComponentResource {
  /** `https://<workspace>--<app>-serve.modal.run/v1`. */
  public readonly apiBase: string;

  constructor(name: string, args: ModalVllmAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:ModalVllmApp", name, { model: args.model.name, appName: args.appName }, opts);
    const withHf = args.hfToken !== undefined;
    const app = renderModalApp(modalAppSpec(args.model, args.appName, withHf));
    const environment = pulumi
      .all([args.tokenId, args.tokenSecret, args.vllmApiKey, args.hfToken])
      .apply(([tokenId, tokenSecret, vllmApiKey, hfToken]) =>
        modalCommandEnvironment(app, {
          tokenId,
          tokenSecret,
          vllmApiKey,
          ...(withHf && hfToken !== undefined ? { hfToken } : {}),
        }),
      );
    new command.local.Command(
      name,
      {
        create: modalDeployScript(args.appName, withHf),
        // A changed app (or secret) redeploys in place: `modal deploy` updates the app of that name.
        update: modalDeployScript(args.appName, withHf),
        delete: modalStopScript(args.appName, withHf),
        environment: pulumi.secret(environment),
        // Only a new app name replaces (deploy the new name, then stop the old one); any other change is the
        // update above. A replace of the same name would stop the app its create just deployed.
        triggers: [args.appName],
      },
      { parent: this },
    );
    this.apiBase = args.model.apiBase ?? modalEndpointUrl(args.model.workspace!, args.appName);
    this.registerOutputs({ apiBase: this.apiBase });
  }
}
