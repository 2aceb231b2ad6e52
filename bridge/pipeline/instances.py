"""Who this bridge instance is, and which instances run which cameras.

`instance_name(settings)`: the `instance` setting (env `REOLINK_INSTANCE`), else the name kept in
`<data_dir>/instance-name`, made once from the host name and a random id, so a restart (or a new
container on the same data volume) keeps it. The name is the lease holder, the bus consumer, the
MQTT client id's suffix and `<base>/bridge/<instance>/state`; two live instances must not share it.

`instances_report(...)` builds what `GET /api/v1/bridge/instances` and `reolink-bridge status`
show: every instance seen lately (alive or not, last seen), the cameras whose lease it holds with
the lease's age and remaining life, and the cameras nobody holds.
"""

from __future__ import annotations

import re
import secrets
import socket
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.pipeline.leases import Leases

NAME_FILE = "instance-name"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def instance_name(settings: Settings) -> str:
    """This instance's name (see the module docstring); may create `<data_dir>/instance-name`."""
    if settings.instance:
        return settings.instance
    path = Path(settings.data_dir) / NAME_FILE
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    if _NAME.match(kept):
        return kept
    host = _UNSAFE.sub("-", socket.gethostname()).strip("-._")[:40] or "bridge"
    name = f"{host}-{secrets.token_hex(3)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name + "\n", encoding="utf-8")
    return name


def _round(value: float) -> float:
    return round(value, 1)


async def instances_report(
    leases: Leases,
    *,
    wanted: Collection[str] = (),
    me: str | None = None,
) -> dict[str, Any]:
    """Instances from the directory, each with the cameras it holds now (from the lease keys);
    `wanted` (the cameras to share) adds those nobody holds."""
    now = time.time()
    entries = await leases.directory()
    names = set(wanted) | set(await leases.devices())  # devices the owners have seen
    for entry in entries:
        names.update(entry.get("cameras") or {})
    holders = await leases.holders(names)
    instances: list[dict[str, Any]] = []
    for entry in entries:
        name = str(entry["instance"])
        last_seen = float(entry["last_seen"])
        taken: dict[str, Any] = entry.get("cameras") or {}
        cameras = [
            {
                "camera_id": camera_id,
                "lease_age": _round(now - float(taken[camera_id])) if camera_id in taken else None,
                "expires_in": _round(expires),
            }
            for camera_id, (holder, expires) in sorted(holders.items())
            if holder == name
        ]
        instances.append(
            {
                "instance": name,
                "alive": not entry.get("stopped") and now - last_seen <= leases.ttl,
                "self": name == me,
                "last_seen": _round(now - last_seen),
                "started_at": entry.get("started_at"),
                "host": entry.get("host"),
                "api_url": entry.get("api_url"),
                "camera_count": len(cameras),
                "cameras": cameras,
            }
        )
    return {
        "leases": True,
        "lease_ttl": leases.ttl,
        "instances": instances,
        "unassigned": sorted(names - set(holders)),
    }


def single_report(me: str, cameras: Collection[str], started_at: float) -> dict[str, Any]:
    """Without Redis: this one instance runs every camera."""
    age = _round(time.time() - started_at)
    return {
        "leases": False,
        "lease_ttl": None,
        "instances": [
            {
                "instance": me,
                "alive": True,
                "self": True,
                "last_seen": 0.0,
                "started_at": started_at,
                "host": socket.gethostname(),
                "api_url": None,
                "camera_count": len(cameras),
                "cameras": [
                    {"camera_id": c, "lease_age": age, "expires_in": None} for c in sorted(cameras)
                ],
            }
        ],
        "unassigned": [],
    }


def format_report(report: dict[str, Any]) -> str:
    """`reolink-bridge status` as text: one line per instance, then its cameras."""
    if not report["leases"]:
        lines = ["one instance (redis.url is not set): it runs every camera"]
    else:
        lines = [f"{len(report['instances'])} instance(s), lease TTL {report['lease_ttl']:g} s"]
    for entry in report["instances"]:
        state = "alive" if entry["alive"] else "gone"
        lines.append(
            f"{entry['instance']}  {state}  last seen {entry['last_seen']:g} s ago  "
            f"{entry['camera_count']} camera(s)  {entry.get('api_url') or ''}".rstrip()
        )
        for lease in entry["cameras"]:
            age = "" if lease["lease_age"] is None else f"held {lease['lease_age']:g} s"
            expires = (
                "" if lease["expires_in"] is None else f", expires in {lease['expires_in']:g} s"
            )
            lines.append(f"  {lease['camera_id']}  {age}{expires}".rstrip())
    if report["unassigned"]:
        lines.append("unassigned: " + ", ".join(report["unassigned"]))
    return "\n".join(lines)


async def read_report(settings: Settings) -> dict[str, Any]:
    """The report from Redis alone (for `reolink-bridge status`; no bridge needed)."""
    if settings.redis.url is None:
        return single_report(settings.instance or "(this host)", [], time.time())
    leases = Leases(
        settings.redis.url, settings.redis.key_prefix, owner="status", ttl=settings.redis.lease_ttl
    )
    try:
        return await instances_report(leases)
    finally:
        await leases.aclose()
