"""The bridge from scenarios to the core, and the run loop."""
