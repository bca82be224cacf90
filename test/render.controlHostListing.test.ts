// The aws-ec2 control host's fleet listing (the host-side timer that writes Prometheus' file_sd targets with the
// host's role: containers get none), run with a stub aws CLI whose `ec2 describe-instances --query` is evaluated by
// jmespath; and shellcheck on the whole user data.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  EC2_VLLM_TARGETS_FILE,
  FILE_PATHS,
  GATEWAY_METRICS_KEY_FILE,
  PROMETHEUS_RULES_FILE,
} from "../components/render";
import { CONTROL_HOST_TARGETS_DIR } from "../components/render/controlHostUserData";
import {
  API_BASES,
  ELASTICACHE_HOST,
  filesOf,
  JMESPATH_PYTHON,
  remoteOnlyPlan,
  runStart,
  STACK,
  tempDir,
  userData,
} from "./helpers/controlHostRun";
import { gpuFleetPlan as fleetPlan } from "./helpers/gpuFleet";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";

const hasPromtool = requireTool("promtool");
/** A DescribeInstances response (the fields the query reads): a stable and a canary instance, one without a track. */
const DESCRIBE_INSTANCES = {
  Reservations: [
    {
      Instances: [
        {
          InstanceId: "i-0aaa",
          PrivateIpAddress: "10.40.3.7",
          Tags: [
            { Key: "ai-layer.dev/stack", Value: STACK },
            { Key: "ai-layer.dev/model", Value: "chat" },
            { Key: "ai-layer.dev/track", Value: "stable" },
            { Key: "Name", Value: "x" },
          ],
        },
      ],
    },
    {
      Instances: [
        {
          InstanceId: "i-0bbb",
          PrivateIpAddress: "10.40.4.9",
          Tags: [
            { Key: "ai-layer.dev/model", Value: "embed" },
            { Key: "ai-layer.dev/stack", Value: STACK },
          ],
        },
      ],
    },
  ],
};
// jmespath (the AWS CLI's own query library) from the e2e tier's hash-locked venv (test/e2e/requirements.txt pins
// jmespath==1.1.0), which .ci/run installs before the tests.
const hasJmespath =
  existsSync(JMESPATH_PYTHON) && run(JMESPATH_PYTHON, ["-c", "import jmespath"]).status === 0;
const JMESPATH_INSTALL = "bash test/e2e/install.sh (jmespath in .venv-e2e)";
it.runIf(process.env.CI === "true")("jmespath in .venv-e2e is installed (checked when CI=true)", () => {
  expect(hasJmespath, `jmespath is missing on CI; ${JMESPATH_INSTALL}`).toBe(true);
});
describe.skipIf(!hasJmespath || !hasPromtool)(
  toolTitle(
    "the fleet listing: the script's query run by jmespath, the file checked by promtool",
    "python3 jmespath and promtool",
    hasJmespath && hasPromtool,
    JMESPATH_INSTALL,
  ),
  () => {
    const p = fleetPlan();
    const files = filesOf(p);
    const script = userData(p, files, ELASTICACHE_HOST, API_BASES);
    const listing = () => {
      const dir = tempDir("ec2-fixture");
      writeFileSync(join(dir, "describe.json"), JSON.stringify(DESCRIBE_INSTANCES));
      const out = runStart(script, files, undefined, "discover", { FAKE_EC2: join(dir, "describe.json") });
      expect(out.r.status, out.r.stderr).toBe(0);
      return { ...out, file: join(out.root, CONTROL_HOST_TARGETS_DIR, "vllm-ec2.json") };
    };

    it("writes one target group per instance: private IP and vLLM port, model, track, pod and service", () => {
      const { file, dir } = listing();
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([
        {
          targets: ["10.40.3.7:8000"],
          labels: { model: "chat", track: "stable", pod: "i-0aaa", service: "inference" },
        },
        {
          targets: ["10.40.4.9:8000"],
          labels: { model: "embed", track: "", pod: "i-0bbb", service: "inference" },
        },
      ]);
      expect(statSync(file).mode & 0o777).toBe(0o644);
      // Each run writes a temp file of its own and renames it: nothing else is left beside the list.
      expect(readdirSync(dirname(file))).toEqual(["vllm-ec2.json"]);
      const call = readFileSync(join(dir, "ec2.log"), "utf8");
      expect(call).toMatch(/^ec2 describe-instances --region us-east-1 --output json --filters /);
      expect(call).toContain('"tag:ai-layer.dev/stack","Values":["gpu-fleet"]');
    });

    it("promtool accepts the config with the written file; negative control: a file that is no list is refused", () => {
      const { file } = listing();
      const check = (targets: string) => {
        const dir = tempDir("promtool-targets");
        writeFileSync(
          join(dir, "prometheus.yml"),
          files.find((f) => f.path === FILE_PATHS.prometheusConfig)!.content,
        );
        for (const [rel, content] of [
          [PROMETHEUS_RULES_FILE, files.find((f) => f.path === FILE_PATHS.alertRules)!.content],
          [GATEWAY_METRICS_KEY_FILE, "sk-test"],
          [EC2_VLLM_TARGETS_FILE, targets],
        ] as const) {
          mkdirSync(dirname(join(dir, rel)), { recursive: true });
          writeFileSync(join(dir, rel), content);
        }
        return run("promtool", ["check", "config", join(dir, "prometheus.yml")], { cwd: "/" });
      };
      const good = check(readFileSync(file, "utf8"));
      expect(good.status, good.stdout + good.stderr).toBe(0);
      expect(good.stdout + good.stderr).not.toMatch(/WARNING/);
      const bad = check(JSON.stringify(JSON.parse(readFileSync(file, "utf8"))[0]));
      expect(bad.status).not.toBe(0);
    });
  },
);

const hasShellcheck = requireTool("shellcheck");
const SC_INSTALL = "apt-get install shellcheck";
itRequiresToolInCi("shellcheck", SC_INSTALL);
describe.skipIf(!hasShellcheck)(
  toolTitle("shellcheck on the user data", "shellcheck", hasShellcheck, SC_INSTALL),
  () => {
    // The fleet variants as AwsControlHost renders them are checked in test/aws.controlHost.test.ts too.
    it("passes at every severity: docker plan with both receivers, fleet with ElastiCache and Slack", () => {
      const fleet = fleetPlan(() => {}, ["hfToken", "slackWebhookUrl"]);
      for (const script of [
        userData(remoteOnlyPlan(), filesOf(remoteOnlyPlan())),
        userData(fleet, filesOf(fleet), ELASTICACHE_HOST, API_BASES),
      ]) {
        const r = run("shellcheck", ["-S", "style", "-"], { input: script });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      }
    });
    it("negative control: a broken script is flagged", () => {
      expect(run("shellcheck", ["-"], { input: "#!/bin/bash\necho $1\n" }).status).not.toBe(0);
    });
  },
);
