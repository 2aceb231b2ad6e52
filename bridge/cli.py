"""The `reolink-bridge` console script: one subcommand per job, importing only what it needs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bridge import __version__

Handler = Callable[[argparse.Namespace], int]


def _check_config(args: argparse.Namespace) -> int:
    from bridge.config import ConfigError, load_settings, redacted

    try:
        settings = load_settings(args.config)
    except ConfigError as err:
        print(f"reolink-bridge: {err}", file=sys.stderr)
        return 2
    print(json.dumps(redacted(settings), indent=2, default=str))
    return 0


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from bridge import app, logs
    from bridge.config import ConfigError, load_settings

    try:
        settings = load_settings(args.config)
    except ConfigError as err:
        print(f"reolink-bridge: {err}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    asyncio.run(app.run(settings))
    return 0


def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from bridge import demo, logs

    logs.configure(args.log_level)
    return asyncio.run(demo.run(mqtt_url=args.mqtt_url, event_every=args.event_every))


def _sim(args: argparse.Namespace) -> int:
    from bridge.simulator import cli as simulator_cli

    return simulator_cli.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reolink-bridge",
        description="Reolink cameras, doorbells and NVRs on MQTT and Home Assistant, no cloud.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bridge")
    run.add_argument("--config", type=Path, default=None, help="YAML config file")
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo", help="simulated cameras + the bridge on embedded defaults, with events now and then"
    )
    demo.add_argument(
        "--mqtt-url",
        default=None,
        help="MQTT broker (default: REOLINK_MQTT__URL or mqtt://127.0.0.1:1883)",
    )
    demo.add_argument(
        "--event-every", type=float, default=8.0, help="seconds between simulated events"
    )
    demo.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    demo.set_defaults(handler=_demo)

    check = commands.add_parser(
        "check-config", help="validate a config file and print it, redacted"
    )
    check.add_argument("--config", type=Path, default=None, help="YAML config file")
    check.set_defaults(handler=_check_config)

    sim = commands.add_parser("sim", help="run simulated Reolink cameras and NVRs")
    from bridge.simulator import cli as simulator_cli

    simulator_cli.add_arguments(sim)
    sim.set_defaults(handler=_sim)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
