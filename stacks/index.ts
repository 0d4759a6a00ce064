export * from "./environment-config";
export * from "./environment-stack";
export * from "./platform-stack";
