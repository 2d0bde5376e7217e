"""Delivery: mail the report's files."""
