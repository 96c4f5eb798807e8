"""Rule families: one module each. A family is a function from a checked module to findings."""
