"""Delivery: mail the report's files, one message per recipient, and the addresses jobs take."""
