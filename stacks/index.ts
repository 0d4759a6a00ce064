export * from "./cluster-config";
export * from "./cluster-providers";
export * from "./cluster-stack";
export * from "./environment-config";
export * from "./environment-stack";
export * from "./platform-stack";
export * from "./state-backend";
