"""Compose a report from figures and items (pure), and the words that depend on its period."""
