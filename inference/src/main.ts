// The inference service entry point (being built).
export {};
