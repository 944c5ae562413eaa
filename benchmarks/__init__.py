"""Benchmarks at bank scale (`make bench`): build time, a 1M-row load, query times, memory."""
