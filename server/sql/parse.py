"""WAE SQL text to one sqlglot tree: the WAE dialect, size and nesting limits, statement splitting.

The dialect is ClickHouse's with its function table emptied, so every `name(args)` call parses
to a node that carries the name as written (`exp.Anonymous` and the ClickHouse aggregate nodes)
and `guard.py` can check each against one allow-list. sqlglot errors propagate; `__init__`
translates them, with `is_sqlglot_failure` to tell them from our own bugs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Final

from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse
from sqlglot.errors import SqlglotError
from sqlglot.parsers.clickhouse import ClickHouseParser
from sqlglot.tokenizer_core import Token, TokenType

from ..errors import SqlError, SqlRejected
from . import functions

MAX_QUERY_CHARS: Final = 100_000
#: sqlglot's recursive-descent parser uses ~20 Python frames per parenthesis level.
MAX_NESTING: Final = 32

#: Special-syntax parsers kept: `CAST(x AS T)`, `extract(DAY FROM t)`, `position(n IN h)`.
_KEPT_FUNCTION_PARSERS: Final = frozenset({"CAST", "EXTRACT", "POSITION"})

#: First tokens that can start a query; everything else is named in the rejection.
_QUERY_STARTS: Final = frozenset({TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN})
_OPENERS: Final = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE})
_CLOSERS: Final = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE})
#: The nodes a function call parses to, each carrying the name as written.
FUNCTION_NODES: Final = (
    exp.Anonymous,
    exp.AnonymousAggFunc,
    exp.CombinedAggFunc,
    exp.ParameterizedAgg,
    exp.CombinedParameterizedAgg,
)
#: Keywords refused before parsing, where the parser would only say "unexpected token".
_FORBIDDEN_TOKENS: Final = {TokenType.INTO: "INTO (INTO OUTFILE and SELECT INTO)"}


class WaeParser(ClickHouseParser):
    """ClickHouse's parser minus its function table: names stay as written, for the allow-list."""

    FUNCTIONS: ClassVar[dict[str, Callable[..., Any]]] = {}
    FUNCTION_PARSERS: ClassVar[dict[str, Callable[..., Any]]] = {
        name: parse
        for name, parse in ClickHouseParser.FUNCTION_PARSERS.items()
        if name in _KEPT_FUNCTION_PARSERS
    }
    NO_PAREN_FUNCTION_PARSERS: ClassVar[dict[str, Callable[..., Any]]] = {
        name: parse
        for name, parse in ClickHouseParser.NO_PAREN_FUNCTION_PARSERS.items()
        if name == "CASE"
    }
    NO_PAREN_FUNCTIONS: ClassVar[dict[Any, Callable[..., Any]]] = {}

    @classmethod
    def _resolve_clickhouse_agg(cls, name: str) -> tuple[str, Sequence[str]] | None:
        # Case-insensitive, as WAE's names are: `TOPK(5)(x)` must parse like `topK(5)(x)`. By
        # the ClickHouse name a WAE name becomes, so `quantileWeighted(q)(x, w)` (WAE's sampling
        # page) is parametric as `quantileExactWeighted(q)(x, w)` is; the node keeps its name.
        return super()._resolve_clickhouse_agg(functions.clickhouse_name(name) or name)


class Wae(ClickHouse):
    """The WAE dialect: ClickHouse syntax, generator unchanged."""

    Parser = WaeParser


DIALECT: Final = Wae()


def tokenize(text: str) -> list[Token]:
    """Tokens of one query, after the size limit; a trailing ';' is dropped, a second statement
    rejected."""
    if len(text) > MAX_QUERY_CHARS:
        raise SqlRejected(
            f"query is too long: {len(text)} characters (the limit is {MAX_QUERY_CHARS})"
        )
    tokens = DIALECT.tokenize(text)
    while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens.pop()
    if not tokens:
        raise SqlError("empty query: send one SELECT or SHOW statement")
    if any(token.token_type == TokenType.SEMICOLON for token in tokens):
        raise SqlRejected("multiple statements are not allowed: send one statement per request")
    if tokens[0].token_type == TokenType.INSERT:  # named as a statement, not by its INTO
        raise _not_a_query(tokens[0])
    _check_tokens(tokens)
    return tokens


def _check_tokens(tokens: list[Token]) -> None:
    depth = 0
    for token in tokens:
        if (forbidden := _FORBIDDEN_TOKENS.get(token.token_type)) is not None:
            raise SqlRejected(f"{forbidden} is not allowed", line=token.line, col=token.col)
        if token.token_type in _OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                raise SqlRejected(
                    f"query is nested too deeply (more than {MAX_NESTING} levels of brackets)",
                    line=token.line,
                    col=token.col,
                )
        elif token.token_type in _CLOSERS:
            depth -= 1


def parse(tokens: list[Token], text: str) -> exp.Expr:
    """One statement's tree; the caller has already routed SHOW statements elsewhere."""
    if tokens[0].token_type not in _QUERY_STARTS:
        raise _not_a_query(tokens[0])
    statements = [s for s in DIALECT.parser().parse(tokens, text) if s is not None]
    if len(statements) != 1:
        raise SqlRejected("send exactly one statement per request")
    return statements[0]


def _not_a_query(first: Token) -> SqlRejected:
    word = first.text.split()[0].upper() if first.text.strip() else first.token_type.name
    return SqlRejected(
        f"{word} statements are not allowed: only SELECT and SHOW are supported",
        line=first.line,
        col=first.col,
    )


def is_sqlglot_failure(error: BaseException) -> bool:
    """Whether sqlglot failed on the input: one of its error classes, or any exception raised
    in its own code (on some inputs its parser fails with a plain ValueError, e.g. `ARRAY JOIN
    ?@0`). An exception raised in our code is not, so our bugs stay visible."""
    if isinstance(error, SqlglotError):
        return True
    tb, module = error.__traceback__, ""
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    return module.split(".")[0] == "sqlglot"


def unquoted_dashed_name(tokens: list[Token], text: str) -> str | None:
    """A name with '-' written without quotes after FROM or JOIN (`FROM my-dataset`), which SQL
    reads as a subtraction; the tokens of a name touch, the spaces around a minus do not."""
    for i, token in enumerate(tokens):
        if token.token_type not in (TokenType.FROM, TokenType.JOIN):
            continue
        end = i + 1
        while end + 1 < len(tokens) and tokens[end + 1].start == tokens[end].end + 1:
            end += 1
        if end < len(tokens):
            name = text[tokens[i + 1].start : tokens[end].end + 1]
            if "-" in name and name[0] not in '"`':
                return name
    return None


def pop_format(tree: exp.Expr) -> str | None:
    """Remove the top-level `FORMAT name` clause and return the name as written."""
    fmt = tree.args.get("format")
    if fmt is None:
        return None
    tree.set("format", None)
    return str(fmt.name)
