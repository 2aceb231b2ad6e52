"""The `reolink-bridge` console script: one subcommand per job, importing only what it needs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from bridge import __version__

if TYPE_CHECKING:
    from bridge.config import Settings

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


def _settings(args: argparse.Namespace) -> Settings | None:
    from bridge.config import ConfigError, load_settings

    try:
        return load_settings(args.config)
    except ConfigError as err:
        print(f"reolink-bridge: {err}", file=sys.stderr)
        return None


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from bridge import app, logs
    from bridge.redaction import model_secrets
    from bridge.secrets import SecretKeyError
    from bridge.store import StoreError
    from bridge.tasks import TaskFailed

    settings = _settings(args)
    if settings is None:
        return 2
    logs.configure(settings.log_level, model_secrets(settings))
    try:
        asyncio.run(app.run(settings))
    except (StoreError, SecretKeyError, OSError) as err:
        print(f"reolink-bridge: cannot start: {err}", file=sys.stderr)
        return 1
    except TaskFailed as err:
        print(f"reolink-bridge: stopped: {err}", file=sys.stderr)
        return 1
    return 0


def _status(args: argparse.Namespace) -> int:
    import asyncio

    from bridge.bus._common import UNREACHABLE
    from bridge.pipeline.instances import format_report, read_report

    settings = _settings(args)
    if settings is None:
        return 2
    try:
        report = asyncio.run(read_report(settings))
    except UNREACHABLE as err:
        print(f"reolink-bridge: Redis is unreachable: {err}", file=sys.stderr)
        return 1
    if settings.redis.url is None:
        report["instances"] = []
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _admin(args: argparse.Namespace) -> int:
    import asyncio

    from bridge import admin
    from bridge.secrets import SecretKeyError
    from bridge.store import StoreError

    settings = _settings(args)
    if settings is None:
        return 2
    try:
        if args.command == "migrate":
            done = asyncio.run(admin.migrate(settings, args.to))
            print("\n".join(done) if done else "the schema is up to date")
        elif args.action == "list":
            print(admin.dumps(asyncio.run(admin.camera_list(settings))))
        elif args.action == "add":
            fields = {
                name: value
                for name in ("id", *args.camera_fields)
                if (value := getattr(args, name)) is not None
            }
            fields["password"] = _password(args)
            print(admin.dumps(asyncio.run(admin.camera_add(settings, fields))))
        else:
            asyncio.run(admin.camera_remove(settings, args.ids))
            print(f"removed: {', '.join(args.ids)}")
    except (admin.AdminError, StoreError, SecretKeyError) as err:
        print(f"reolink-bridge: {err}", file=sys.stderr)
        return 1
    return 0


def _password(args: argparse.Namespace) -> str:
    """From --password-env (the name of a variable) or a prompt: never on the command line."""
    import getpass
    import os

    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise SystemExit(f"reolink-bridge: {args.password_env} is not set")
        return value
    return getpass.getpass(f"password for {args.username or 'admin'}@{args.host}: ")


def _token(args: argparse.Namespace) -> int:
    import asyncio

    from bridge import admin as tokens
    from bridge.admin import dumps
    from bridge.store import StoreError

    settings = _settings(args)
    if settings is None:
        return 2
    try:
        if args.action == "create":
            made = asyncio.run(tokens.token_create(settings, args.name, args.scope))
            print(dumps(made))
            print("keep the token now: it is stored only hashed", file=sys.stderr)
        elif args.action == "list":
            print(dumps(asyncio.run(tokens.token_list(settings))))
        elif not asyncio.run(tokens.token_revoke(settings, args.id)):
            print(f"reolink-bridge: no active token {args.id!r}", file=sys.stderr)
            return 1
        else:
            print(f"revoked: {args.id}")
    except StoreError as err:
        print(f"reolink-bridge: {err}", file=sys.stderr)
        return 1
    return 0


def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from bridge import demo, logs

    logs.configure(args.log_level)
    return asyncio.run(demo.run(mqtt_url=args.mqtt_url, event_every=args.event_every))


def _sim(args: argparse.Namespace) -> int:
    from bridge.simulator import cli as simulator_cli

    return simulator_cli.run(args)


def _camera_options(parser: argparse.ArgumentParser) -> list[str]:
    """One option per field of the `Camera` model (but the id, an argument, and the password,
    never on a command line); the model validates the values. Returns the fields' names."""
    from bridge.domain.camera import Camera

    names: list[str] = []
    for name, field in Camera.model_fields.items():
        if name in ("id", "password"):
            continue
        flag = "--" + name.replace("_", "-")
        kinds = [kind for kind in get_args(field.annotation) if kind is not type(None)]
        kind: Any = kinds[0] if kinds else field.annotation
        help_text = field.description
        if get_origin(field.annotation) is list:  # --tag a --tag b
            one = flag.removesuffix("s")
            parser.add_argument(
                one, dest=name, action="append", metavar=one[2:].upper(), help=help_text
            )
        elif kind is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        elif get_origin(field.annotation) is Literal:  # --push auto|on|off
            parser.add_argument(flag, choices=get_args(field.annotation), help=help_text)
        else:
            parser.add_argument(flag, type=kind, required=field.is_required(), help=help_text)
        names.append(name)
    return names


def build_parser() -> argparse.ArgumentParser:
    from bridge.store import TokenScope

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

    status = commands.add_parser(
        "status", help="the bridge instances sharing Redis, and the cameras each runs"
    )
    status.add_argument("--config", type=Path, default=None, help="YAML config file")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)

    check = commands.add_parser(
        "check-config", help="validate a config file and print it, redacted"
    )
    check.add_argument("--config", type=Path, default=None, help="YAML config file")
    check.set_defaults(handler=_check_config)

    migrate = commands.add_parser("migrate", help="apply (or roll back) database migrations")
    migrate.add_argument("--config", type=Path, default=None, help="YAML config file")
    migrate.add_argument("--to", type=int, default=None, help="target version (default: newest)")
    migrate.set_defaults(handler=_admin)

    camera = commands.add_parser("camera", help="list, add or remove stored cameras")
    camera.add_argument("--config", type=Path, default=None, help="YAML config file")
    camera.set_defaults(handler=_admin)
    actions = camera.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="the stored cameras (no passwords)")
    add = actions.add_parser("add", help="store a camera (taken up at the next start)")
    add.add_argument("id")
    add.set_defaults(camera_fields=_camera_options(add))
    add.add_argument(
        "--password-env", metavar="VAR", help="read the password from this environment variable"
    )
    remove = actions.add_parser("remove", help="forget stored cameras")
    remove.add_argument("ids", nargs="+", metavar="ID")

    token = commands.add_parser("token", help="create, list or revoke API tokens")
    token.add_argument("--config", type=Path, default=None, help="YAML config file")
    token.set_defaults(handler=_token)
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_actions.add_parser("create", help="a new token (its secret is shown once)")
    create.add_argument("--name", required=True, help="who it is for, e.g. home-assistant")
    scopes = get_args(TokenScope)
    create.add_argument(
        "--scope",
        choices=scopes,
        default=None,
        help=f"{scopes[0]}: see; {scopes[1]}: also command cameras; {scopes[2]}: also change "
        f"the bridge (cameras, tokens). Default: the narrowest, {scopes[0]}",
    )
    token_actions.add_parser("list", help="the tokens (never their secrets)")
    revoke = token_actions.add_parser("revoke", help="revoke a token")
    revoke.add_argument("id", metavar="ID")

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
