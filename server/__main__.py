"""`python -m server` runs the CLI."""

from .cli import main

raise SystemExit(main())
