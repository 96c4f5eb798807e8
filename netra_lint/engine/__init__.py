"""The analysis core every rule shares: source, CFG, dataflow, module index, summaries."""
