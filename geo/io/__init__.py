"""Reading files: one module per format behind read_features, and column finding."""
