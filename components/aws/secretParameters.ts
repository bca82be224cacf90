import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ssmSecretName } from "../plan/planAwsEc2";

export interface AwsSecretParametersArgs {
  /** Stack name: the parameters are `/ai-layer/<stack>/<configKey>` (ssmSecretName). */
  readonly stack: string;
  /**
   * Secret values by layer config key (`vllmApiKey`, `hfToken`, …), one SecureString each. Values are wrapped
   * with pulumi.secret whatever they arrive as, so they stay encrypted in the state.
   */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
  /** Tags for every parameter (owner, environment, cost-center). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * KMS key (id, ARN or alias) encrypting the parameters. Default: the AWS managed key `aws/ssm`, which needs no
   * kms:Decrypt grant for readers; a customer managed key does.
   */
  readonly kmsKeyId?: pulumi.Input<string>;
}

/** An SSM parameter holding one secret: its name (read at boot, in user data) and ARN (granted to readers). */
export interface SecretParameter {
  readonly name: pulumi.Input<string>;
  readonly arn: pulumi.Input<string>;
}

/** Name and ARN of one parameter, for user data (names) and the readers' IAM policy (ARNs). */
export interface SecretParameterRef extends SecretParameter {
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
}

/**
 * Layer secrets in SSM Parameter Store (SecureString), so GPU instances and the control host read them at boot
 * with their role instead of carrying them in user data, which the AWS provider keeps in clear text (v7).
 */
export class AwsSecretParameters extends pulumi.ComponentResource {
  /** The parameters by config key. */
  public readonly parameters: Record<string, SecretParameterRef>;

  constructor(name: string, args: AwsSecretParametersArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:AwsSecretParameters",
      name,
      { stack: args.stack, keys: Object.keys(args.secrets).sort() },
      opts,
    );
    this.parameters = createAwsSecretParameters(name, args, this);
    this.registerOutputs({ parameters: this.parameters });
  }
}

/** @internal */
export function createAwsSecretParameters(
  name: string,
  args: AwsSecretParametersArgs,
  parent: pulumi.Resource,
): Record<string, SecretParameterRef> {
  const parameters: Record<string, SecretParameterRef> = {};
  for (const key of Object.keys(args.secrets).sort()) {
    const parameter = new aws.ssm.Parameter(
      `${name}-${key}`,
      {
        name: ssmSecretName(args.stack, key),
        type: "SecureString",
        value: pulumi.secret(args.secrets[key]!),
        description: `ai-layer secret ${key} of stack ${args.stack}`,
        ...(args.kmsKeyId !== undefined ? { keyId: args.kmsKeyId } : {}),
        tags: { ...args.tags },
      },
      { parent },
    );
    parameters[key] = { name: parameter.name, arn: parameter.arn };
  }
  return parameters;
}
