"""Walking: the network (and a city's stored one), snapping, shortest paths, distances, time."""
