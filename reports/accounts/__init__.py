"""Users of the web door, their logins and sessions, and the audit log."""
