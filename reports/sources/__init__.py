"""Import: read what the offices' systems export, check every row, store it all or nothing."""
