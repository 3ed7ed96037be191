"""The progress shown by `usagehouse demo` and `usagehouse import`."""

from __future__ import annotations

import io

from server.progress import ProgressBar


def test_progress_prints_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.update(0, 2000)
    bar.update(1000, 2000)  # within the quiet interval: no line
    bar.update(2000, 2000)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert "100.0%" in lines[-1] and "2,000/2,000" in lines[-1]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal_and_ends_it_on_exit() -> None:
    stream = Terminal()
    ticks = iter([0.0, 1.0, 2.0])
    with ProgressBar(stream, clock=lambda: next(ticks), unit="rows") as bar:
        bar.update(500, 1000)
        bar.update(1000, 1000)
    assert stream.getvalue() == (
        "\r[###############...............]  50.0% 500/1,000 rows  500 rows/s\x1b[K"
        "\r[##############################] 100.0% 1,000/1,000 rows  500 rows/s\x1b[K\n"
    )
