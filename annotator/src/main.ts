// The annotator service entry point (being built).
export {};
