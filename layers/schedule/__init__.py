"""The one schedule engine: rules parsed, described, and 次回開催 computed, for API, maps, pages."""
