import type * as pulumi from "@pulumi/pulumi";
import { autoname, hex, type OutputsFor } from "./mockIds";

// Shared by the AWS mock modules (awsMockOutputs, awsFleetMockOutputs, awsControlMockOutputs).
/** Realistic outputs of the AWS resources and invokes the aws-eks target uses (ids, ARNs, endpoints, AZs). */
export const ACCOUNT = "123456789012";
export const awsRegion = (args: pulumi.runtime.MockResourceArgs) =>
  (args.inputs.region as string | undefined) ?? "us-east-1";
/** EC2-style id: `vpc-0` + 16 hex. */
export const ec2Id = (prefix: string, seed: string) => `${prefix}-0${hex(seed, 16)}`;
export const tagged = (args: pulumi.runtime.MockResourceArgs) => ({ tagsAll: args.inputs.tags ?? {} });

/** An EC2 resource that has an id `<prefix>-0…`, an ARN `…:<arnKind>/<id>`, the account as owner and tags. */
export const ec2Owned =
  (
    prefix: string,
    arnKind: string,
    extra: (
      args: pulumi.runtime.MockResourceArgs,
      seed: string,
      id: string,
    ) => Record<string, unknown> = () => ({}),
  ): OutputsFor =>
  (args, seed) => {
    const id = ec2Id(prefix, seed);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:${arnKind}/${id}`,
        ownerId: ACCOUNT,
        ...extra(args, seed, id),
      },
    };
  };

/**
 * A resource whose id is its name (the given one, else an autoname): IAM roles and profiles, subnet groups, Auto
 * Scaling groups. `extra` adds the ARN and what else the type outputs.
 */
export const named =
  (
    extra: (args: pulumi.runtime.MockResourceArgs, name: string, seed: string) => Record<string, unknown>,
    nameOf: (args: pulumi.runtime.MockResourceArgs, seed: string) => string = autoname,
  ): OutputsFor =>
  (args, seed) => {
    const name = nameOf(args, seed);
    return { id: name, state: { ...args.inputs, ...tagged(args), name, ...extra(args, name, seed) } };
  };
