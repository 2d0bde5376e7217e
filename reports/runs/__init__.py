"""Jobs, the run ledger, a run's lease, its per-recipient delivery (below runner and approval)."""
