// The alerts service entry point (being built).
export {};
