"""Analysis on the walking network: demand, coverage, siting and isochrones."""
