"""What a statement says about itself, for clients that explain answers (`usagehouse sql`):
the datasets it reads and whether it ends with its own FORMAT. Never raises: a statement that
does not parse names nothing (the server's answer says what is wrong with it).
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokenizer_core import Token, TokenType

from ..errors import SqlError
from . import catalog, parse, show


def _tokens(text: str) -> list[Token]:
    """The statement's tokens; a SHOW statement's rest, which the tokenizer keeps as one raw
    token, tokenized too."""
    tokens = parse.tokenize(text)
    if show.is_show(tokens):
        rest = " ".join(token.text for token in tokens[1:])
        return tokens[:1] + (parse.DIALECT.tokenize(rest) if rest.strip() else [])
    return tokens


def has_own_format(text: str) -> bool:
    """Whether the statement ends with `FORMAT <name>`."""
    try:
        tokens = _tokens(text)
    except (SqlError, SqlglotError, RecursionError):
        return False
    return len(tokens) >= 2 and tokens[-2].token_type == TokenType.FORMAT


def named_datasets(text: str) -> list[str]:
    """The datasets a SELECT reads (by plain name or as `default.<name>`), each once; CTE names
    are not datasets."""
    try:
        tokens = parse.tokenize(text)
        if show.is_show(tokens):
            return []
        tree = parse.parse(tokens, text)
    except (SqlError, SqlglotError, RecursionError):
        return []
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    names: list[str] = []
    for table in tree.find_all(exp.Table):
        db = table.args.get("db")
        if (db is None and table.name in ctes) or (db is not None and db.name != catalog.DATABASE):
            continue
        if isinstance(table.this, exp.Identifier) and table.name not in names:
            names.append(table.name)
    return names
