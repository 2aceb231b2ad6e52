"""Prometheus metrics: HTTP requests (an ASGI middleware) and the bridge's own counters; and the
request body limit (the other pure ASGI middleware).

prometheus-client writes the text exposition (escaping, `# HELP`/`# TYPE`, histogram buckets,
OpenMetrics on request) correctly, has no dependencies and costs a dict lookup and a lock per
observation. Each app has its own registry (no process-global state), and the bridge's figures
(cameras, live clients, bus/writer counters) are read when scraped, by a collector, so nothing
has to push them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Source = Callable[[], Mapping[str, Any]]


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "reolink_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "reolink_http_request_duration_seconds",
            "Time to the end of the response, by route template",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._gauges: dict[str, tuple[str, Callable[[], float]]] = {}
        self._counters: dict[str, tuple[str, Callable[[], float]]] = {}
        self._sources: dict[str, Source] = {}
        self.registry.register(_Collector(self))

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self._gauges[name] = (help_text, read)

    def counter(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self._counters[name] = (help_text, read)

    def source(self, component: str, read: Source) -> None:
        self._sources[component] = read

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class _Collector(Collector):
    def __init__(self, metrics: ApiMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        for name, (help_text, read) in self.metrics._gauges.items():
            yield GaugeMetricFamily(name, help_text, value=read())
        for name, (help_text, read) in self.metrics._counters.items():
            yield CounterMetricFamily(name, help_text, value=read())
        family = GaugeMetricFamily(
            "reolink_component_stat",
            "Counters and levels of the bridge's units (bus, writer, ...)",
            labels=["component", "stat"],
        )
        for component, source in self.metrics._sources.items():
            try:
                values = source()
            except Exception:  # a failing source must not break the scrape
                continue
            for stat, value in _flatten(values):
                family.add_metric([component, stat], value)
        yield family

    def describe(self) -> Iterator[Metric]:
        return iter(())


def _flatten(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool | int | float):
            yield name, float(value)
        elif isinstance(value, Mapping):
            yield from _flatten(value, f"{name}.")


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (never by the raw path)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics, prefix: str = "") -> None:
        self.app = app
        self.metrics = metrics
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            # Routes of included routers know their path below the prefix only.
            path = scope.get("path", "")
            if (
                route is not None
                and path.startswith(self.prefix)
                and not template.startswith(self.prefix)
            ):
                template = self.prefix + template
            self.metrics.observe(
                scope.get("method", "GET"), template, status, time.perf_counter() - start
            )


class BodyLimitMiddleware:
    """Refuses request bodies over `limit` bytes with a JSON 413: at once when Content-Length
    says so, else when the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(self.limit)(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, f"request body larger than {self.limit} bytes")
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"request body larger than {limit} bytes"},
        status_code=413,
    )
