"""Scheduled runs: job files, the run ledger, the runner and the APScheduler service."""
