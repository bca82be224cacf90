// The ai-layer CrossGuard pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`.
// The rules are plain functions in ./rules, which `npm run plan` runs offline too.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./pack";

new PolicyPack("ai-layer", { policies, enforcementLevel: "advisory" });
