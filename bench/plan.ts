/**
 * `npm run bench:plan [-- --stack prod --runs 7]`: the offline plan's wall time beside the bare registration floor,
 * measured in one run, rounds interleaved so load on the machine hits every variant alike; also each run's CPU
 * time (user + system, summed over its processes), which other load on the machine disturbs less. Writes
 * out/bench/plan-floor.json and prints medians and ratios; no assertion, no threshold.
 * - floor: bench/floor.cjs, plain JS that loads @pulumi/pulumi and registers as many resources as the plan does on
 *   the mock runtime, each with two small inputs (the ratio the plan is held to);
 * - floor-inputs: the same with the plan's own resources (types, names, parents, inputs from its resources.json),
 *   so serializing the real inputs is in the floor too;
 * - plan: `npm run plan`'s command (node bin/launch.cjs bin/plan.ts, transpile and code caches warm);
 * - plan-tsx: the same CLI under tsx, as `npm run plan` ran it before the launcher;
 * - bad-config: the CLI on a config with one unknown key (exit 1; the program and the SDKs are never loaded).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = resolve(__dirname, "..");

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Variant {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly exit: number;
}

/** One run: wall time, and CPU time summed over its processes (bench/cpu.cjs reports each). */
function timeOnce(v: Variant, cpuFile: string): { wall: number; cpu: number } {
  writeFileSync(cpuFile, "");
  const env = {
    ...process.env,
    BENCH_CPU_FILE: cpuFile,
    NODE_OPTIONS: `--require ${join(ROOT, "bench", "cpu.cjs")}`,
  };
  const t = performance.now();
  const r = spawnSync(v.cmd, v.args, { cwd: ROOT, encoding: "utf8", env });
  const wall = performance.now() - t;
  if (r.status !== v.exit)
    throw new Error(`${v.name}: exit ${r.status} (expected ${v.exit})\n${r.stdout}${r.stderr}`);
  const cpu = readFileSync(cpuFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .reduce((a, b) => a + b, 0);
  return { wall, cpu };
}

function main() {
  const stack = option("stack", "prod");
  const runs = Number(option("runs", "7"));
  const work = mkdtempSync(join(tmpdir(), "ai-layer-bench-"));
  try {
    const badConfig = join(work, "Pulumi.bad.yaml");
    writeFileSync(badConfig, "config:\n  ai-layer:layer:\n    target: { kind: docker }\n    modles: []\n");
    const node = process.execPath;
    const launch = join(ROOT, "bin", "launch.cjs");
    const plan: Variant = {
      name: "plan",
      cmd: node,
      args: [launch, "bin/plan.ts", stack, "--out", join(work, "plan")],
      exit: 0,
    };
    const cpuFile = join(work, "cpu.txt");
    timeOnce(plan, cpuFile); // fills the caches, and tells the floor what to register
    const planned = join(work, "resources.json");
    cpSync(join(work, "plan", "resources.json"), planned);
    const resources = (JSON.parse(readFileSync(planned, "utf8")) as unknown[]).length;
    const floorScript = join(ROOT, "bench", "floor.cjs");
    const variants: Variant[] = [
      { name: "floor", cmd: node, args: [floorScript, String(resources)], exit: 0 },
      { name: "floor-inputs", cmd: node, args: [floorScript, planned], exit: 0 },
      plan,
      {
        name: "plan-tsx",
        cmd: join(ROOT, "node_modules", ".bin", "tsx"),
        args: ["bin/plan.ts", stack, "--out", join(work, "plan-tsx")],
        exit: 0,
      },
      {
        name: "bad-config",
        cmd: node,
        args: [launch, "bin/plan.ts", "bad", "--config", badConfig, "--out", join(work, "bad")],
        exit: 1,
      },
    ];
    for (const v of variants) timeOnce(v, cpuFile); // warm-up
    const wall: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
    const cpu: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
    for (let round = 0; round < runs; round++)
      for (const v of variants) {
        const t = timeOnce(v, cpuFile);
        wall[v.name]!.push(t.wall);
        cpu[v.name]!.push(t.cpu);
      }

    const medians = (xs: Record<string, number[]>) =>
      Object.fromEntries(variants.map((v) => [v.name, Math.round(median(xs[v.name]!))]));
    const ratios = (m: Record<string, number>, floor: string) =>
      Object.fromEntries(variants.map((v) => [v.name, Math.round((m[v.name]! / m[floor]!) * 100) / 100]));
    const wallMs = medians(wall);
    const cpuMs = medians(cpu);
    const result = {
      date: new Date().toISOString(),
      stack,
      resources,
      runs,
      node: process.version,
      cpus: cpus().length,
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
      medianWallMs: wallMs,
      wallRatioToFloor: ratios(wallMs, "floor"),
      wallRatioToFloorInputs: ratios(wallMs, "floor-inputs"),
      medianCpuMs: cpuMs,
      cpuRatioToFloor: ratios(cpuMs, "floor"),
      samplesWallMs: Object.fromEntries(Object.entries(wall).map(([k, xs]) => [k, xs.map(Math.round)])),
      samplesCpuMs: Object.fromEntries(Object.entries(cpu).map(([k, xs]) => [k, xs.map(Math.round)])),
    };
    const outFile = join(ROOT, "out", "bench", "plan-floor.json");
    mkdirSync(join(ROOT, "out", "bench"), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    const cell = (x: unknown, width: number) => String(x).padStart(width);
    console.log(
      `offline plan of ${stack} (${resources} resources), median of ${runs} runs each, load ${result.loadavg[0]}:`,
    );
    console.log(
      `  ${"".padEnd(12)} ${cell("wall ms", 8)} ${cell("× floor", 8)} ${cell("cpu ms", 8)} ${cell("× floor", 8)}`,
    );
    for (const v of variants)
      console.log(
        `  ${v.name.padEnd(12)} ${cell(wallMs[v.name], 8)} ${cell(result.wallRatioToFloor[v.name], 8)} ` +
          `${cell(cpuMs[v.name], 8)} ${cell(result.cpuRatioToFloor[v.name], 8)}`,
      );
    console.log(`→ ${outFile}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
