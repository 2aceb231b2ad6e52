"""The LAN announcement's record (`server.zeroconf`); Home Assistant's config flow is tested with
this record in tests/ha_integration (no multicast here)."""

from __future__ import annotations

from bridge.api.zeroconf import SERVICE_TYPE, announced_addresses, describe, service_info
from bridge.config import load_settings


def test_the_record_carries_the_installation_id_port_and_path() -> None:
    info = service_info(installation_id="ab" * 16, host="127.0.0.1", port=8123, version="1.2")
    assert describe(info) == {
        "type": SERVICE_TYPE,
        "name": f"Reolink Server abababab.{SERVICE_TYPE}",
        "hostname": "reolink-server-abababab.local.",
        "port": 8123,
        "addresses": ["127.0.0.1"],
        "properties": {"id": "ab" * 16, "version": "1.2", "path": "/api/v1"},
    }


def test_an_unspecified_listen_address_announces_the_machines_addresses() -> None:
    for host in ("0.0.0.0", "::", "bridge.lan"):
        found = announced_addresses(host)
        assert found
        assert all(":" not in a for a in found)
    assert announced_addresses("192.168.1.5") == ["192.168.1.5"]


def test_off_by_default() -> None:
    assert load_settings().server.zeroconf is False
