"""A deterministic sample city for the demo, the tests and the benchmarks (not core code)."""
