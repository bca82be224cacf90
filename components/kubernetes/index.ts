export * from "./manifests/common";
export * from "./manifests/vllm";
export * from "./manifests/gateway";
export * from "./manifests/cache";
export * from "./apply";
export * from "./layer";
export * from "./vllmModelServer";
