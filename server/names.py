"""The grammar of the names clients choose: dataset names and account ids."""

from __future__ import annotations

import re

#: A dataset (WAE's binding name): 1-64 characters of A-Z a-z 0-9 _ -, not starting with a
#: digit or a dash.
DATASET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
#: An account id in a URL: 1-64 characters of A-Z a-z 0-9 _ . -, starting with a letter or
#: digit.
ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
