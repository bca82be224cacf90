"use strict";
// Loaded with --require by bench/plan.ts: appends this process's CPU time (user + system, ms) to $BENCH_CPU_FILE
// at exit, so a run's CPU time is the sum over its processes (tsx runs two).
process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  require("node:fs").appendFileSync(process.env.BENCH_CPU_FILE, `${(user + system) / 1000}\n`);
});
