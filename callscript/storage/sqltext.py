"""The app's SQL text as PostgreSQL's driver wants it: one mechanical translation.

Store code and the reports write SQLite's placeholders — ``?`` (positional) and ``:name``
(named). psycopg wants ``%s`` and ``%(name)s``, and so reads every ``%`` in the text as
the start of a placeholder: a ``LIKE '%x%'`` or a modulo must be doubled. Nothing else
in the text changes (the SQL itself is shared; see docs/storage.md, "Two backends").

The scan knows string literals (``'…'``, quotes doubled inside), quoted identifiers,
``--`` comments, PostgreSQL's ``::`` casts and dollar-quoted bodies, so a ``?`` or ``:x``
inside a literal is left alone. Translations are cached: the app sends the same few
hundred statements all day.

This module imports nothing from callscript.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def to_pyformat(sql: str) -> str:
    """``sql`` with ``?`` → ``%s``, ``:name`` → ``%(name)s`` and every literal ``%`` → ``%%``.

    Only for statements sent *with* parameters: without them psycopg sends the text as it
    is, and a doubled ``%`` would reach the server.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'" or ch == '"':
            end = _closing_quote(sql, i)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "$" and (tag := _dollar_tag(sql, i)) is not None:
            end = sql.find(tag, i + len(tag))
            end = n if end < 0 else end + len(tag)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        elif ch == ":":
            if sql.startswith("::", i):  # a cast
                out.append("::")
                i += 2
                continue
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            name = sql[i + 1 : j]
            if name and (name[0].isalpha() or name[0] == "_") and (i == 0 or sql[i - 1] != ":"):
                out.append(f"%({name})s")
                i = j
            else:
                out.append(":")
                i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _closing_quote(sql: str, start: int) -> int:
    """The index just past the literal or identifier opened at ``start`` (a doubled quote is one quote)."""
    quote = sql[start]
    i = start + 1
    while i < len(sql):
        if sql[i] == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)


def _dollar_tag(sql: str, start: int) -> str | None:
    """``$$`` or ``$tag$`` opening a dollar-quoted body at ``start`` (not a ``$1`` parameter)."""
    j = start + 1
    while j < len(sql) and (sql[j].isalnum() or sql[j] == "_"):
        j += 1
    if j < len(sql) and sql[j] == "$" and not sql[start + 1 : j][:1].isdigit():
        return sql[start : j + 1]
    return None
