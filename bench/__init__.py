"""Benchmarks (not part of the test run): `make bench` runs bench/run.py. See bench/README.md."""
