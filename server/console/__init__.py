"""`usagehouse sql`, `bill` and `translate`: WAE SQL and invoices from a terminal.

`sql` and `bill` are thin clients of a running server's HTTP API (`client.py`); `translate` runs
the translator locally and prints the ClickHouse SQL a query becomes, which is how a rejected or
surprising query gets debugged. `shell.py` runs statements and the prompt, `table.py` prints the
answers, `commands.py` holds the options.
"""

from __future__ import annotations

from .commands import add_console_commands

__all__ = ["add_console_commands"]
