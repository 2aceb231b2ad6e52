"""The bus between producers (poller, dispatcher, registry) and consumers (MQTT, API, store, cache).

- `messages`: the message types (frozen dataclasses), the `Bus` and `Subscription` protocols;
- `codec`: every message to and from JSON (the Redis Streams wire form);
- `inprocess`: the default bus, one bounded queue and worker per subscriber;
- `redis_streams` (+ `_group`, `_broadcast`, `_subscription`, `_outbox`, `_common`): Redis Streams
  with consumer groups, for several processes;
- `factory.build_bus(settings)`: the one the settings ask for.
"""
