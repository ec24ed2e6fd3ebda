"""Regular expressions of both controllers, evaluated with Python's `re`.

Envoy (Istio) uses RE2 with full-match semantics; ingress-nginx uses PCRE. Python's `re` is close
to both but not equal, so each dialect is first checked and translated: constructs the engine would
reject raise `RegexError` (Istio rejects such a VirtualService; nginx fails its config test), and
spellings that differ are rewritten (`(?<name>` → `(?P<name>`, `\\z` → `\\Z`, POSIX classes, flags
in the middle of a pattern).

`example(pattern)` builds strings a pattern matches, so probes can exercise regex paths.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")


class RegexError(ValueError):
    """The pattern is not valid in the controller's regex dialect."""


_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_FLAG_GROUP = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)")


def _translate(pattern: str, dialect: str) -> str:
    """Rewrite an RE2 or PCRE pattern into Python syntax, or raise RegexError."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    # One frame per open group (the first is the whole pattern): how many scopes opened by bare
    # flag groups such as `(?i)` must be closed when the group closes.
    open_groups: list[int] = [0]
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise RegexError("trailing backslash")
            nxt = pattern[i + 1]
            if dialect == "re2" and nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 : end if end >= 0 else n]
                out.append(re.escape(literal))
                i = end + 2 if end >= 0 else n
                continue
            if nxt.isdigit() and nxt != "0" and not in_class and dialect == "re2":
                raise RegexError("back-references are not supported by RE2")
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Z":
                if dialect == "re2":
                    raise RegexError("\\Z is not supported by RE2")
                out.append("(?=\\n?\\Z)")
            elif nxt in "pP" and dialect == "re2":
                raise RegexError("Unicode classes (\\p) are not evaluated")
            elif nxt == "C" and dialect == "re2":
                raise RegexError("\\C is not supported")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end > 0:
                    name = pattern[i + 2 : end]
                    negate = name.startswith("^")
                    cls = _POSIX_CLASSES.get(name.lstrip("^"))
                    if cls is None or negate:
                        raise RegexError(f"unsupported POSIX class [:{name}:]")
                    out.append(cls)
                    i = end + 2
                    continue
            if c == "[":
                out.append("\\[")
                i += 1
                continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if c == "(":
            if pattern.startswith("(?", i):
                rest = pattern[i + 2 : i + 4]
                if rest[:1] in ("=", "!") or rest in ("<=", "<!"):
                    if dialect == "re2":
                        raise RegexError("look-around is not supported by RE2")
                elif rest[:1] == ">" and dialect == "re2":
                    raise RegexError("atomic groups are not supported by RE2")
                elif rest[:1] == "(":
                    raise RegexError("conditional groups are not supported")
                elif rest[:1] == "<":
                    out.append("(?P<")
                    open_groups.append(0)
                    i += 3
                    continue
                elif rest[:1] == "'" and dialect == "pcre":
                    end = pattern.find("'", i + 3)
                    out.append(f"(?P<{pattern[i + 3 : end]}>")
                    open_groups.append(0)
                    i = end + 1
                    continue
                flags = _FLAG_GROUP.match(pattern, i)
                if flags:
                    on, off = flags.group(1), flags.group(2) or ""
                    if "U" in on + off:
                        raise RegexError("the U (ungreedy) flag is not evaluated")
                    # Python accepts global flags only at the start; scope them to the rest of
                    # the enclosing group instead, which is what RE2 and PCRE mean.
                    out.append(f"(?{on}{'-' + off if off else ''}:")
                    open_groups[-1] += 1
                    i = flags.end()
                    continue
            open_groups.append(0)
            out.append(c)
            i += 1
            continue
        if c == ")":
            if len(open_groups) == 1:
                raise RegexError("unbalanced parenthesis")
            closers = open_groups.pop()
            out.append(")" * closers)
            out.append(")")
            i += 1
            continue
        if c in "*+?}" and i + 1 < n and pattern[i + 1] == "+" and dialect == "re2":
            raise RegexError("possessive quantifiers are not supported by RE2")
        out.append(c)
        i += 1
    if in_class:
        raise RegexError("unterminated character class")
    if len(open_groups) != 1:
        raise RegexError("missing closing parenthesis")
    out.append(")" * open_groups[0])
    return "".join(out)


@lru_cache(maxsize=8192)
def compile_re2(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern (Envoy `safe_regex`); use `fullmatch` for Envoy's semantics."""
    try:
        return re.compile(_translate(pattern, "re2"))
    except re.error as exc:
        raise RegexError(str(exc)) from exc


@lru_cache(maxsize=8192)
def compile_pcre(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile a PCRE pattern (nginx location / rewrite / Lua `ngx.re`)."""
    try:
        return re.compile(_translate(pattern, "pcre"), re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise RegexError(str(exc)) from exc


def nginx_substitute(template: str, match: re.Match[str]) -> str:
    """Expand `$1`..`$9` and `${name}` / `$name` captures the way nginx `rewrite` does (a missing
    group is empty); other `$variables` stay as written."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            index = int(m.group(1))
            return (match.group(index) or "") if index <= (match.re.groups or 0) else ""
        name = m.group(2) or m.group(3)
        if name in match.re.groupindex:
            return match.group(name) or ""
        return m.group(0)

    return _NGINX_VAR.sub(repl, template)


_NGINX_VAR = re.compile(r"\$(\d)|\$\{(\w+)\}|\$([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def envoy_substitute(template: str) -> str:
    """Envoy `regex_rewrite` substitution (`\\1`) in Python `re.sub` syntax (`\\g<1>`)."""
    return re.sub(r"\\(\d+)", r"\\g<\1>", template.replace("\\\\", "\\\\\\\\"))


# ---------------------------------------------------------------------------------------------
# Example strings for probes


@lru_cache(maxsize=4096)
def examples(pattern: str, dialect: str = "pcre") -> tuple[str, ...]:
    """Up to two strings the pattern matches from the start: the shortest form and a richer one
    (every optional part taken once). Empty when the pattern cannot be handled."""
    try:
        compiled = compile_pcre(pattern) if dialect == "pcre" else compile_re2(pattern)
        tree = _parser.parse(compiled.pattern, compiled.flags)
    except (RegexError, re.error, RecursionError):
        return ()
    found: list[str] = []
    for rich in (False, True):
        groups: dict[int, str] = {}
        try:
            text = _walk(tree, rich, groups)
        except (ValueError, RecursionError):
            continue
        if compiled.match(text) and text not in found:
            found.append(text)
    return tuple(found)


def _walk(items: Any, rich: bool, groups: dict[int, str]) -> str:
    c = _constants
    out: list[str] = []
    for op, arg in items:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("x" if chr(arg) != "x" else "y")
        elif op is c.ANY:
            out.append("x")
        elif op is c.IN:
            out.append(_class_char(arg))
        elif op is c.CATEGORY:
            out.append(_category_char(arg))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            count = low if not rich else max(low, 1 if high else 0)
            out.append("".join(_walk(sub, rich, groups) for _ in range(min(count, 3))))
        elif op is c.SUBPATTERN:
            group, _, _, sub = arg
            text = _walk(sub, rich, groups)
            if group is not None:
                groups[group] = text
            out.append(text)
        elif op is getattr(c, "ATOMIC_GROUP", None):
            out.append(_walk(arg, rich, groups))
        elif op is c.BRANCH:
            alternatives = arg[1]
            chosen = alternatives[0]
            if rich:
                for alt in alternatives:
                    if _walk(alt, rich, dict(groups)):
                        chosen = alt
                        break
            out.append(_walk(chosen, rich, groups))
        elif op is c.GROUPREF:
            out.append(groups.get(arg, ""))
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        else:
            raise ValueError(f"cannot build an example for {op}")
    return "".join(out)


def _class_char(items: Any) -> str:
    c = _constants
    negate = bool(items) and items[0][0] is c.NEGATE
    if negate:
        candidates = "xa1-_/"
        probe = [it for it in items[1:]]
        for ch in candidates:
            if not any(_in_item(ch, it) for it in probe):
                return ch
        raise ValueError("no character outside the class")
    for op, arg in items:
        if op is c.LITERAL:
            return chr(arg)
        if op is c.RANGE:
            low, high = arg
            for ch in "a1A":
                if low <= ord(ch) <= high:
                    return ch
            return chr(low)
        if op is c.CATEGORY:
            return _category_char(arg)
    raise ValueError("empty class")


def _in_item(ch: str, item: Any) -> bool:
    c = _constants
    op, arg = item
    if op is c.LITERAL:
        return ord(ch) == arg
    if op is c.RANGE:
        return bool(arg[0] <= ord(ch) <= arg[1])
    if op is c.CATEGORY:
        cls = _CATEGORY_CLASS.get(str(arg))
        return bool(cls and re.match(f"[{cls}]", ch))
    return False


_CATEGORY_CLASS = {
    "CATEGORY_DIGIT": "0-9",
    "CATEGORY_WORD": "0-9A-Za-z_",
    "CATEGORY_SPACE": " \\t\\n",
}


def _category_char(arg: Any) -> str:
    name = str(arg)
    if name.endswith("NOT_DIGIT") or name.endswith("NOT_SPACE"):
        return "x"
    if name.endswith("NOT_WORD"):
        return "-"
    if name.endswith("DIGIT"):
        return "1"
    if name.endswith("SPACE"):
        return " "
    return "a"
