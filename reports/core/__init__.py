"""What every stage shares: errors, periods, records, the report model, Vietnamese words, files."""
