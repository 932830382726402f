"""Revision scripts (Alembic skips this file); a package so setuptools installs them."""
