"""The scheduler: one job run for one period, the APScheduler service, runs now and held runs."""
