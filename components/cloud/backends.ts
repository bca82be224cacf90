import * as pulumi from "@pulumi/pulumi";
import { isCloud, type LayerSecretKey, type Plan } from "../plan";
import { ModalVllmApp } from "./modal";
import { RunpodServerlessEndpoint } from "./runpod";

/**
 * Creates the GPU-cloud backend of every model that has one and returns the env vars the gateway needs:
 * `<MODEL>_API_BASE` → the endpoint's OpenAI base URL.
 */
export function createCloudBackends(
  name: string,
  plan: Plan,
  secrets: Partial<Record<LayerSecretKey, pulumi.Output<string>>>,
  opts: pulumi.ComponentResourceOptions,
): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = {};
  for (const model of plan.models.filter(isCloud)) {
    const appName = model.appName;
    if (model.runtime === "runpod") {
      const endpoint = new RunpodServerlessEndpoint(
        `${name}-${model.name}-runpod`,
        {
          model,
          endpointName: appName,
          apiKey: secrets.runpodApiKey!,
          ...(secrets.hfToken ? { hfToken: secrets.hfToken } : {}),
        },
        opts,
      );
      env[model.apiBaseEnv] = endpoint.apiBase;
    } else {
      // Its URL is in the gateway config already (CloudModel.apiBase): nothing to pass at run time.
      new ModalVllmApp(
        `${name}-${model.name}-modal`,
        {
          model,
          appName,
          vllmApiKey: secrets.vllmApiKey!,
          tokenId: secrets.modalTokenId!,
          tokenSecret: secrets.modalTokenSecret!,
          ...(secrets.hfToken ? { hfToken: secrets.hfToken } : {}),
        },
        opts,
      );
    }
  }
  return env;
}
