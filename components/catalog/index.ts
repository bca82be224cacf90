export * from "./gpus";
export * from "./models";
export * from "./images";
export * from "./cloudGpus";
export * from "./awsInstances";
export * from "./eks";
