"""Analysis on the walking network: the walk asked about, demand, coverage, siting, isochrones."""
