// The assistant service entry point (being built).
export {};
