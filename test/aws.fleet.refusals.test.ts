// AwsGpuFleet's own input checks: it refuses, with a plain error, a fleet nothing may call or one with no track.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { mockCall, mockOutputs } from "../bin/offline/mockOutputs";
import { AwsGpuFleet } from "../components/aws/gpuFleet";
import { fleetVllmArgs } from "../components/render";
import { gpuFleetPlan } from "./helpers/gpuFleet";

const SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"];
const CLIENT_SGS = ["sg-0c0ffee0c0ffee001"];
const fleetPlan = () => gpuFleetPlan().target.aws;
const VLLM_ARGS = fleetVllmArgs(gpuFleetPlan());

describe("AwsGpuFleet refuses plans it cannot serve", () => {
  it("no client security group, or no track", async () => {
    await pulumi.runtime.setMocks({ newResource: mockOutputs, call: mockCall }, "ai-layer", "bad", false);
    const fleet = fleetPlan();
    const base = {
      fleet,
      vllmArgs: VLLM_ARGS,
      stack: "bad",
      vpcId: "vpc-0",
      privateSubnetIds: SUBNETS,
      secretParameters: {},
    };
    expect(() => new AwsGpuFleet("a", { ...base, clientSecurityGroupIds: [] })).toThrow(
      /clientSecurityGroupIds/,
    );
    expect(
      () =>
        new AwsGpuFleet("b", {
          ...base,
          fleet: { ...fleet, tracks: [] },
          clientSecurityGroupIds: CLIENT_SGS,
        }),
    ).toThrow(/no GPU tracks/);
  });
});
