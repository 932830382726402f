"""Japan reference data: municipalities, plane-rectangular zones, mesh codes, coordinate checks."""
