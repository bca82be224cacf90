export * from "./cidr";
export * from "./common";
export * from "./kubeconfig";
export * from "./network";
export * from "./addons";
export * from "./eks";
