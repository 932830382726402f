"""Who a request speaks for: API tokens, signed-in sessions, and the checks writes need."""
