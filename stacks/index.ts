// The ai-layer program (`pulumi up -s <stack>`). All logic lives in ./program so the offline plan
// (`npm run plan`) runs exactly the same code on Pulumi's mock runtime.
import * as pulumi from "@pulumi/pulumi";
import { LayerConfigError } from "../components/spec";
import { deployLayer } from "./program";

function run() {
  try {
    return deployLayer().outputs;
  } catch (e) {
    // RunError ends the program with the message alone: a config mistake deserves no stack trace.
    if (e instanceof LayerConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export = run();
