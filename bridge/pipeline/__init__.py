"""From camera polls to states and events: the only place events are born from camera data."""
