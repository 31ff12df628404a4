// The ingest service entry point (being built).
export {};
