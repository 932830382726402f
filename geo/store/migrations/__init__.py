"""Alembic scripts for the PostGIS store; a package so that an installed Tsudoi carries them."""
