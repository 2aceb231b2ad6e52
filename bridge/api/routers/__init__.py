"""One router per resource; `bridge.api.app` mounts them under `/api/v1`."""
