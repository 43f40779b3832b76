"""Benchmarks of the Learning Records Service; run them as modules or scripts, never as tests."""
