"""Running an office's installation: the office folder (init), checks, logging."""
