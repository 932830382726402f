"""What every import shares: ids, the city extent check, change counting and reports."""
