// The GPU instances' user data: shellcheck (bash), then the real script run under bash with stub aws/docker.
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GpuFleetTrackPlan } from "../components/plan/planAwsEc2";
import { fleetVllmArgs, HF_CACHE_PATH } from "../components/render/vllmArgs";
import { shellQuote, USER_DATA_MAX_BYTES, withinUserDataLimit } from "../components/render/bootScript";
import {
  renderVllmUserData,
  VLLM_ENV_DIR,
  VLLM_HOST_CACHE_DIR,
  type VllmUserDataInput,
} from "../components/render/vllmUserData";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";
import { gpuFleetPlan } from "./helpers/gpuFleet";

const INSTALL = "apt-get install shellcheck";
const hasShellcheck = requireTool("shellcheck");
const PARAMS = { HF_TOKEN: "/ai-layer/gpu-fleet/hfToken", VLLM_API_KEY: "/ai-layer/gpu-fleet/vllmApiKey" };
/** Distinctive fake secret values the stub `aws` returns. */
const VALUES: Record<string, string> = {
  "/ai-layer/gpu-fleet/hfToken": "hf_FAKEuserdataZ9q8x7w6v5u4",
  "/ai-layer/gpu-fleet/vllmApiKey": "vk-FAKEuserdata$(touch /tmp/x)'`id`",
};

/** The gpu-fleet stack's GPU tracks, planned the way the program plans them. */
function fleetTracks(): readonly GpuFleetTrackPlan[] {
  return gpuFleetPlan().target.aws.tracks;
}
const VLLM_ARGS = fleetVllmArgs(gpuFleetPlan());

const inputFor = (t: GpuFleetTrackPlan): VllmUserDataInput => ({
  region: "us-east-1",
  image: t.image,
  vllmArgs: VLLM_ARGS[t.id]!,
  port: 8000,
  secretParameters: PARAMS,
  stack: "gpu-fleet",
  track: t.id,
});

const scratch = mkdtempSync(join(tmpdir(), "ai-layer-userdata-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const STUBS: Record<string, string> = {
  // Logs its argv, prints the value file for --name, fails like the CLI when there is none.
  aws: `#!/bin/bash
printf '%s\\n' "$*" >>"$STUB_LOG/aws.log"
while [ $# -gt 0 ]; do [ "$1" = --name ] && name="$2"; shift; done
if [ -f "$STUB_VALUES$name" ]; then cat "$STUB_VALUES$name"; else echo "ParameterNotFound $name" >&2; exit 254; fi
`,
  // Writes each invocation's argv NUL-separated to its own numbered file; a fresh instance holds no image yet.
  docker: `#!/bin/bash
[ "$1 $2" = "image inspect" ] && exit 1
n=$(find "$STUB_LOG" -name 'docker.*' | wc -l)
printf '%s\\0' "$@" >"$STUB_LOG/docker.$n"
`,
  systemctl: "#!/bin/bash\nexit 0\n",
  sleep: "#!/bin/bash\nexit 0\n",
};

interface Run {
  status: number | null;
  output: string;
  docker: string[][];
  aws: string[];
  envFile: string;
  envDir: string;
}

/** Runs the script under bash with stub aws/docker/systemctl/sleep; the root-owned paths move into a temp dir. */
function runScript(script: string, values: Record<string, string> = VALUES): Run {
  const root = mkdtempSync(join(scratch, "run-"));
  const bin = join(root, "bin");
  const log = join(root, "log");
  const vals = join(root, "values");
  for (const d of [bin, log, vals]) mkdirSync(d);
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  for (const [name, value] of Object.entries(values)) {
    mkdirSync(dirname(join(vals, name)), { recursive: true });
    writeFileSync(join(vals, name), `${value}\n`);
  }
  const envDir = join(root, "etc-ai-layer");
  const relocated = script
    .replace(`readonly ENV_DIR=${shellQuote(VLLM_ENV_DIR)}`, `readonly ENV_DIR=${shellQuote(envDir)}`)
    .replace(
      `readonly CACHE_DIR=${shellQuote(VLLM_HOST_CACHE_DIR)}`,
      `readonly CACHE_DIR=${shellQuote(join(root, "cache"))}`,
    );
  expect(relocated).not.toContain(VLLM_ENV_DIR);
  const path = join(root, "user-data.sh");
  writeFileSync(path, relocated);
  const r = run("bash", [path], {
    env: { PATH: `${bin}:/usr/bin:/bin`, STUB_LOG: log, STUB_VALUES: vals, HOME: root },
  });
  const dockerFiles = readdirSync(log)
    .filter((f) => f.startsWith("docker."))
    .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
  const read = (f: string) => {
    try {
      return readFileSync(f, "utf8");
    } catch {
      return "";
    }
  };
  return {
    status: r.status,
    output: r.stdout + r.stderr,
    docker: dockerFiles.map((f) => readFileSync(join(log, f), "utf8").split("\0").slice(0, -1)),
    aws: read(join(log, "aws.log")).split("\n").filter(Boolean),
    envFile: join(envDir, "vllm.env"),
    envDir,
  };
}

itRequiresToolInCi("shellcheck", INSTALL);

describe.skipIf(!hasShellcheck)(
  toolTitle("shellcheck -s bash on the user data", "shellcheck", hasShellcheck, INSTALL),
  () => {
    const shellcheck = (script: string) => run("shellcheck", ["-s", "bash", "-"], { input: script });

    it.each(fleetTracks().map((t) => [t.id, t] as const))("track %s passes", (_id, t) => {
      const r = shellcheck(renderVllmUserData(inputFor(t)));
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it("passes with awkward args and no secrets", () => {
      const t = fleetTracks()[0]!;
      const script = renderVllmUserData({
        ...inputFor(t),
        vllmArgs: ["a b", "it's", "$(x)"],
        secretParameters: {},
      });
      const r = shellcheck(script);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it("negative control: a broken bash script is flagged", () => {
      const r = shellcheck("#!/bin/bash\nset -euo pipefail\nfor f in $(ls *.txt); do\n  cp $f /tmp\ndone\n");
      expect(r.status).not.toBe(0);
      expect(r.stdout).toMatch(/SC2045|SC2086/);
    });
  },
);

describe("renderVllmUserData, run under bash with stub aws and docker", () => {
  const tracks = fleetTracks();

  it.each(tracks.map((t) => [t.id, t] as const))(
    "track %s: reads SSM, pulls the pinned image, runs the plan's args",
    (_id, t) => {
      const r = runScript(renderVllmUserData(inputFor(t)));
      expect(r.status, r.output).toBe(0);
      // Exactly the documented read, per parameter, sorted by env var.
      expect(r.aws).toEqual(
        Object.values(PARAMS).map(
          (name) =>
            `ssm get-parameter --with-decryption --region us-east-1 --name ${name} --query Parameter.Value --output text`,
        ),
      );
      const [pull, rm, start] = r.docker;
      expect(r.docker).toHaveLength(3);
      expect(pull).toEqual(["pull", "--quiet", t.image]);
      expect(rm!.slice(0, 2)).toEqual(["rm", "-f"]);
      const at = start!.indexOf(t.image);
      expect(start!.slice(0, at)).toEqual([
        "run",
        "-d",
        "--restart",
        "unless-stopped",
        "--name",
        "vllm",
        "--gpus",
        "all",
        "--ipc=host",
        "-p",
        "8000:8000",
        "--env-file",
        r.envFile,
        "-v",
        expect.stringMatching(new RegExp(`:${HF_CACHE_PATH}$`)),
      ]);
      expect(start!.slice(at + 1)).toEqual([...VLLM_ARGS[t.id]!]);
      // The secrets land in a root-only file, never in the script's output.
      expect(readFileSync(r.envFile, "utf8")).toBe(
        `HF_TOKEN=${VALUES[PARAMS.HF_TOKEN]}\nVLLM_API_KEY=${VALUES[PARAMS.VLLM_API_KEY]}\n`,
      );
      expect(statSync(r.envFile).mode & 0o777).toBe(0o600);
      expect(statSync(r.envDir).mode & 0o777).toBe(0o700);
      for (const v of Object.values(VALUES)) expect(r.output).not.toContain(v);
      expect(readdirSync(r.envDir)).toEqual(["vllm.env"]);
    },
  );

  it("args with quotes, spaces and substitutions reach vLLM literally", () => {
    const odd = ["org/model", "--x", 'it\'s a $(touch pwned) `id` "q"', "--y", "$HOME", "a\\b"];
    const r = runScript(renderVllmUserData({ ...inputFor(tracks[0]!), vllmArgs: odd }));
    expect(r.status, r.output).toBe(0);
    const start = r.docker[2]!;
    expect(start.slice(start.indexOf(tracks[0]!.image) + 1)).toEqual(odd);
  });

  it("a parameter it cannot read stops the boot before docker runs, leaving no partial env file", () => {
    const r = runScript(renderVllmUserData(inputFor(tracks[0]!)), {
      [PARAMS.HF_TOKEN]: VALUES[PARAMS.HF_TOKEN]!,
    });
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("ParameterNotFound /ai-layer/gpu-fleet/vllmApiKey");
    expect(r.aws.length).toBe(1 + 5); // hfToken once, vllmApiKey five attempts
    expect(r.docker).toEqual([]);
    expect(readdirSync(r.envDir)).toEqual([]);
    expect(r.output).not.toContain(VALUES[PARAMS.HF_TOKEN]);
  });

  it("a multi-line secret is refused (docker --env-file reads one line per variable)", () => {
    const r = runScript(renderVllmUserData(inputFor(tracks[0]!)), {
      ...VALUES,
      [PARAMS.HF_TOKEN]: "line1\nline2",
    });
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("spans lines");
    expect(r.docker).toEqual([]);
  });
});

describe("renderVllmUserData, the text", () => {
  const t = fleetTracks()[0]!;
  const script = renderVllmUserData(inputFor(t));

  it("is bash with strict mode and a header naming the stack and track", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("\nset -euo pipefail\n");
    expect(script.split("\n")[1]).toContain("stack gpu-fleet, track chat");
  });

  it("installs nothing and names one image, the pinned one", () => {
    expect(script).not.toMatch(/\b(dnf|yum|apt|apt-get|pip3?|curl|wget|rpm)\b/);
    const images = script.match(/[\w.-]+(?:\/[\w.-]+)+:[\w][\w.-]*/g) ?? [];
    expect(images).toEqual([t.image]);
    expect(script.match(/docker pull/g)).toHaveLength(1);
  });

  it("is deterministic whatever the order of the secrets", () => {
    const reversed = Object.fromEntries(Object.entries(PARAMS).reverse());
    expect(renderVllmUserData({ ...inputFor(t), secretParameters: reversed })).toBe(script);
  });

  it("refuses values that would break the script", () => {
    expect(() => renderVllmUserData({ ...inputFor(t), secretParameters: { "BAD NAME": "/x" } })).toThrow(
      /env var/,
    );
    expect(() => renderVllmUserData({ ...inputFor(t), port: 0 })).toThrow(/port/);
    expect(() => renderVllmUserData({ ...inputFor(t), track: "chat\nreboot" })).toThrow(/comment/);
    expect(() => renderVllmUserData({ ...inputFor(t), vllmArgs: [] })).toThrow(/args/);
  });

  it("shellQuote round-trips through bash", () => {
    const words = ["plain", "it's", '$(x) `y` "z" \\', ""];
    const r = run("bash", ["-c", `printf '%s\\0' ${words.map(shellQuote).join(" ")}`]);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(words);
  });
});

describe("user data size", () => {
  it("EC2's 16 KB limit is checked before anything is created", () => {
    expect(withinUserDataLimit("#!/bin/bash\n", "x")).toBe("#!/bin/bash\n");
    expect(() => withinUserDataLimit("#".repeat(USER_DATA_MAX_BYTES + 1), "control host of stack s")).toThrow(
      /control host of stack s: user data is 16385 bytes; EC2 accepts at most 16384/,
    );
  });
});
