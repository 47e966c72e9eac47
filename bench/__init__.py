"""Benchmarks (see bench/README.md). Not collected by pytest; run each script directly."""
