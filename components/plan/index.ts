export * from "./types";
export * from "./memory";
export * from "./secrets";
export * from "./plan";
