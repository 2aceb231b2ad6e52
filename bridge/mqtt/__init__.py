"""The MQTT face of the bridge: topics, Home Assistant discovery, state publishing, commands."""
