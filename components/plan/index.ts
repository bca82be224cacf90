export * from "./types";
export * from "./memory";
export * from "./gpuFit";
export * from "./secrets";
export * from "./planDocker";
export * from "./planKubernetes";
export * from "./plan";
export * from "./costModel";
