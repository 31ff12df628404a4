// The gateway service entry point (being built).
export {};
