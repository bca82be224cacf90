export * from "./yamlFile";
export * from "./litellmConfig";
export * from "./redisConf";
export * from "./prometheusConfig";
export * from "./grafana";
export * from "./ollamaScripts";
export * from "./layerFiles";
