"""Benchmarks that print JSON: speed is measured here, never in timed tests."""
