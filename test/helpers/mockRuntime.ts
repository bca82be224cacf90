import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockOutputs } from "../../bin/offline/mockOutputs";

/**
 * Starts Pulumi's mock runtime with the offline plan's realistic outputs (bin/offline/mockOutputs), pushing every
 * registration into `records` and every invoke into `calls`. Call it in beforeAll, before constructing anything.
 */
export async function recordOnMocks(
  stack: string,
  records: pulumi.runtime.MockResourceArgs[],
  calls: pulumi.runtime.MockCallArgs[] = [],
): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => (records.push(a), mockOutputs(a)),
      call: (a) => (calls.push(a), mockCall(a)),
    },
    "ai-layer",
    stack,
    false,
  );
}
