"""Walking: the network, snapping, shortest paths, distances and walking time."""
