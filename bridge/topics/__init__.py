"""The MQTT-shaped model every face shares: the topic tree (`tree.Topics`) and the mapping of bus
messages to the messages that carry them (`mapping.live_messages`). MQTT publishes them; the
API's WebSocket and SSE send the same `{"topic", "payload"}` frames."""
