"""`python -m bridge` is `reolink-bridge`."""

from bridge.cli import main

raise SystemExit(main())
