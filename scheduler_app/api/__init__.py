"""The scheduler HTTP API (DRF) under /scheduler/."""
