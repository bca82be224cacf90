// The public API teams import: the pure core (spec → plan → render) and the components of each target.
export * from "./spec";
export * from "./catalog";
export * from "./plan";
export * from "./render";
export * from "./secrets";
export * from "./docker";
export * from "./kubernetes";
export * from "./runpod";
export * from "./aws";
export * from "./cloud";
export * from "./layers";
