import { awsEksTarget } from "./planAws";
import { awsEc2Target } from "./planAwsEc2";
import { dockerTarget } from "./planDocker";
import { kubernetesTarget } from "./planKubernetes";
import type { TargetEntry } from "./targetEntry";
import type { TargetKind } from "./types";

/** Every target kind the layer plans, by `target.kind`: the one place a new target is added (ARCHITECTURE.md). */
export const TARGETS: { readonly [K in TargetKind]: TargetEntry<K> } = {
  docker: dockerTarget,
  kubernetes: kubernetesTarget,
  "aws-eks": awsEksTarget,
  "aws-ec2": awsEc2Target,
};

/** The entry of a kind, typed loosely for callers holding a plan of any target. */
export const targetEntry = (kind: TargetKind) => TARGETS[kind] as unknown as TargetEntry<TargetKind>;
