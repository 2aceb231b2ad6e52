"""``reolink-bridge sim``: run simulated devices until SIGINT/SIGTERM.

Prints one JSON line per device on stdout::

    {"id": "cam-001", "host": "127.0.0.1", "port": 8001, "baichuan_port": 41234,
     "model": "RLC-811A", "channels": 1,
     "username": "admin", "password": "...", "profile": "floodlight",
     "control_url": "http://127.0.0.1:8000/sim/devices/cam-001"}
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from .fleet import Simulator
from .profiles import PROFILE_NAMES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``sim`` subcommand's options."""
    parser.add_argument("--cameras", type=int, default=1, help="number of devices (default 1)")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="first port; devices use consecutive ports (skipping 9000); 0 = free ports",
    )
    parser.add_argument(
        "--baichuan-port",
        type=int,
        default=0,
        help="first Baichuan port (real devices: 9000); devices use consecutive ports; "
        "0 = free ports. GetNetPort reports each device's as mediaPort",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--profile",
        dest="profiles",
        action="append",
        choices=PROFILE_NAMES,
        metavar="NAME",
        help=f"device profile, repeatable, cycled over the devices ({', '.join(PROFILE_NAMES)}); "
        "default: all of them in turn",
    )
    parser.add_argument("--username", default="admin", help="login user (default admin)")
    parser.add_argument("--password", default="password", help="login password")
    parser.add_argument(
        "--lease-time", type=float, default=3600.0, help="token lease in seconds (default 3600)"
    )
    parser.add_argument(
        "--max-sessions", type=int, default=20, help="tokens per device before -5 (default 20)"
    )
    parser.add_argument(
        "--control-port",
        type=int,
        default=0,
        help="port of the simulator-wide control API (0 = a free port)",
    )
    parser.add_argument(
        "--reboot-downtime", type=float, default=2.0, help="seconds a rebooting device is away"
    )


async def _serve(args: argparse.Namespace) -> int:
    sim = Simulator(
        args.cameras,
        port=args.port,
        host=args.host,
        profiles=args.profiles,
        username=args.username,
        password=args.password,
        lease_time=args.lease_time,
        max_sessions=args.max_sessions,
        control_port=args.control_port,
        reboot_downtime=args.reboot_downtime,
        baichuan_port=args.baichuan_port,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with sim:
        for line in sim.device_lines():
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        await stop.wait()
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the simulator (blocks until SIGINT/SIGTERM); the process exit code."""
    if args.cameras < 0:
        print("--cameras must not be negative", file=sys.stderr)
        return 2

    def _early_stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # a signal before the event loop handles it: stop cleanly too

    previous = signal.signal(signal.SIGTERM, _early_stop)
    try:
        return asyncio.run(_serve(args))
    except OSError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
