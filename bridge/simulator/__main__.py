"""``python -m bridge.simulator``: the simulator alone (the options of ``reolink-bridge sim``)."""

from __future__ import annotations

import argparse
import sys

from .cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bridge.simulator", description="Simulated Reolink cameras and NVRs."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
