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

/**
 * Starts the mock runtime for a program that must register nothing (a refused config): every registration's name
 * goes into the returned list, and any invoke fails the test.
 */
export async function recordNamesRefusingInvokes(stack: string): Promise<string[]> {
  const records: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(a) {
        records.push(a.name);
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call() {
        throw new Error("no invoke");
      },
    },
    "ai-layer",
    stack,
    false,
  );
  return records;
}
