"""Population import by kind of file: the count columns every file has, e-Stat mesh files and
町丁目 tables. `boundaries.population_import` is the entry point."""
