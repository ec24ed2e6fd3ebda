"""nginx's PCRE regular expressions → the RE2 dialect Envoy (and so Istio) uses.

ingress-nginx hands regex paths, rewrite patterns and canary header patterns to PCRE; Envoy compiles
every regex with RE2, which has no look-around, back-references, possessive quantifiers, atomic groups,
recursion, conditionals or control verbs. `to_re2` respells what RE2 can say the same way (named groups
`(?<n>…)` / `(?'n'…)` → `(?P<n>…)`) and lists everything else, so the caller can report it instead of
emitting a regex Istio would reject. The nginx rewrite target (`$1`…`$9`) becomes Envoy's `\\1`…`\\9`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Escapes PCRE knows and RE2 rejects (the letter after the backslash).
_PCRE_ONLY_ESCAPES = {
    "g": "a back-reference (\\g)",
    "k": "a named back-reference (\\k)",
    "K": "a match-start reset (\\K)",
    "G": "a \\G anchor",
    "R": "a \\R newline class",
    "X": "an extended grapheme (\\X)",
    "h": "a \\h class",
    "H": "a \\H class",
    "V": "a \\V class",
    "N": "a \\N class",
    "Z": "a \\Z anchor (RE2 has \\z)",
}
# Group openings after `(?` that only PCRE knows.
_PCRE_ONLY_GROUPS: list[tuple[tuple[str, ...], str]] = [
    (("=", "!"), "a look-ahead (?= / ?!)"),
    (("<=", "<!"), "a look-behind (?<= / ?<!)"),
    ((">",), "an atomic group (?>…)"),
    (("|",), "a branch-reset group (?|…)"),
    (("#",), "a comment group (?#…)"),
    (("P=",), "a named back-reference (?P=…)"),
    (
        ("P>", "&", "R", "+", *"0123456789", *(f"-{d}" for d in "0123456789")),
        "a recursion or subroutine call",
    ),
    (("(",), "a conditional group (?(…)…)"),
    (("C",), "a callout (?C…)"),
]
_NAME = re.compile(r"[<']([A-Za-z_][A-Za-z0-9_]*)[>']")
_FLAGS = re.compile(r"([A-Za-z]*)(?:-([A-Za-z]*))?[:)]")
_REPEAT = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_RE2_FLAGS = set("imsU")
_RE2_MAX_REPEAT = 1000
_VARIABLE = re.compile(r"\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass
class Conversion:
    """The RE2 spelling of a PCRE pattern; usable only when `problems` is empty."""

    regex: str
    groups: int = 0  # capturing groups, numbered as PCRE and RE2 both number them
    problems: list[str] = field(default_factory=list)  # PCRE-only constructs, for the report
    renamed: list[str] = field(default_factory=list)  # named groups respelled `(?P<name>…)`

    @property
    def ok(self) -> bool:
        return not self.problems


def to_re2(pattern: str) -> Conversion:
    """Scan a PCRE pattern once: copy it in RE2 spelling, count capture groups, list PCRE-only parts."""
    return _Scanner(pattern).run()


class _Scanner:
    """One left-to-right pass over a pattern; `last` says what the previous token can take."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.out: list[str] = []
        self.result = Conversion(regex="")
        # "atom" takes a quantifier; "quant" takes a lazy (?) or possessive (+) marker.
        self.last = "start"
        self.depth = 0  # open groups

    def problem(self, text: str) -> None:
        if text not in self.result.problems:
            self.result.problems.append(text)

    def run(self) -> Conversion:
        pattern, i = self.pattern, 0
        while i < len(pattern):
            c = pattern[i]
            if c == "\\":
                i, self.last = self.escape(i), "atom"
            elif c == "[":
                i, self.last = self.char_class(i), "atom"
            elif c == "(":
                i, self.last = self.group(i), "start"
                self.depth += 1
            elif c == ")":
                if self.depth == 0:
                    self.problem("an unmatched `)`")
                self.depth = max(self.depth - 1, 0)
                self.out.append(c)
                i, self.last = i + 1, "atom"
            elif c in "*+?":
                i = self.quantifier(i)
            elif c == "{" and (repeat := _REPEAT.match(pattern, i)) and (repeat.group(1) or repeat.group(2)):
                if any(int(x) > _RE2_MAX_REPEAT for x in repeat.groups() if x):
                    self.problem(f"a repeat count over {_RE2_MAX_REPEAT}")
                self.out.append(repeat.group(0))
                i, self.last = repeat.end(), "quant"
            else:
                self.out.append(c)
                i, self.last = i + 1, "start" if c == "|" else "atom"
        if self.depth:
            self.problem("an unclosed `(`")
        self.result.regex = "".join(self.out)
        return self.result

    def quantifier(self, i: int) -> int:
        c = self.pattern[i]
        if self.last == "quant" and c == "+":
            self.problem("a possessive quantifier (*+, ++, ?+)")
            self.last = "mod"
        elif self.last == "quant" and c == "?":
            self.last = "mod"  # lazy quantifier: RE2 has it too
        else:
            self.last = "quant"
        self.out.append(c)
        return i + 1

    def escape(self, i: int) -> int:
        """Copy one escape sequence starting at a backslash; returns the index after it."""
        pattern = self.pattern
        if i + 1 >= len(pattern):
            self.problem("a trailing backslash")
            self.out.append("\\")
            return i + 1
        letter = pattern[i + 1]
        if letter in "123456789":
            self.problem(f"a back-reference (\\{letter})")
        elif letter in _PCRE_ONLY_ESCAPES:
            self.problem(_PCRE_ONLY_ESCAPES[letter])
        end = i + 2
        if letter == "Q":  # \Q…\E quotes literally, in both dialects
            close = pattern.find("\\E", i + 2)
            end = len(pattern) if close < 0 else close + 2
        elif letter in "xpPo" and pattern.startswith("{", i + 2):
            close = pattern.find("}", i + 2)
            end = len(pattern) if close < 0 else close + 1
        self.out.append(pattern[i:end])
        return end

    def char_class(self, start: int) -> int:
        """Copy the character class opened at `start`; returns the index after its `]`."""
        pattern, i = self.pattern, start + 1
        if pattern.startswith("^", i):
            i += 1
        if pattern.startswith("]", i):
            i += 1  # a `]` first in the class is literal
        while i < len(pattern) and pattern[i] != "]":
            if pattern[i] == "\\":
                letter = pattern[i + 1 : i + 2]
                if letter in _PCRE_ONLY_ESCAPES:
                    self.problem(_PCRE_ONLY_ESCAPES[letter])
                i += 2
            elif pattern.startswith("[:", i) and pattern.find(":]", i + 2) >= 0:
                i = pattern.find(":]", i + 2) + 2  # POSIX class such as [:alpha:]
            else:
                i += 1
        if i >= len(pattern):
            self.problem("an unterminated character class")
            self.out.append(pattern[start:])
            return len(pattern)
        self.out.append(pattern[start : i + 1])
        return i + 1

    def group(self, i: int) -> int:
        """Copy the opening of a group at `(`; returns the index after the opening syntax."""
        body = self.pattern[i + 1 :]
        if body.startswith("*"):
            self.problem("a PCRE control verb (*…)")
            self.out.append("(")
            return i + 1
        if not body.startswith("?"):
            self.result.groups += 1
            self.out.append("(")
            return i + 1
        body = body[1:]
        for prefixes, text in _PCRE_ONLY_GROUPS:
            if body.startswith(prefixes):
                self.problem(text)
                self.out.append("(?")
                return i + 2
        name = _NAME.match(body) if body.startswith(("<", "'")) else None
        if name:
            self.result.groups += 1
            self.result.renamed.append(name.group(1))
            self.out.append(f"(?P<{name.group(1)}>")
            return i + 2 + name.end()
        if body.startswith("P<"):
            self.result.groups += 1
            self.out.append("(?P<")
            return i + 4
        flags = _FLAGS.match(body)
        if flags:
            unknown = sorted(set((flags.group(1) or "") + (flags.group(2) or "")) - _RE2_FLAGS)
            if unknown:
                self.problem(f"inline flags RE2 lacks ({''.join(unknown)})")
        else:
            self.problem("an unknown group syntax (?" + body[:1] + "…)")
        self.out.append("(?")
        return i + 2


@dataclass
class Target:
    """An nginx rewrite target in Envoy's regex-substitution spelling."""

    rewrite: str
    problems: list[str] = field(default_factory=list)
    captures: list[int] = field(default_factory=list)  # capture numbers the target uses
    dropped: list[int] = field(default_factory=list)  # numbers past the pattern's groups (empty in nginx)


def nginx_target(target: str, groups: int) -> Target:
    """`$1`…`$9` → `\\1`…`\\9`; references past `groups` expand to nothing, as nginx does.

    Any other `$…` is an nginx variable Envoy cannot expand, and is listed as a problem.
    """
    out: list[str] = []
    result = Target(rewrite="")
    i = 0
    while i < len(target):
        c = target[i]
        if c == "$" and target[i + 1 : i + 2] in tuple("123456789"):
            number = int(target[i + 1])
            result.captures.append(number)
            if number <= groups:
                out.append("\\" + target[i + 1])
            else:
                result.dropped.append(number)
            i += 2
            continue
        if c == "$":
            variable = _VARIABLE.match(target, i)
            text = variable.group(0) if variable and variable.group(1) else "$"
            result.problems.append(f"the nginx variable {text}" if text != "$" else "a bare `$`")
            i += max(len(text), 1)
            continue
        out.append("\\\\" if c == "\\" else c)
        i += 1
    result.rewrite = "".join(out)
    return result


def nginx_variables(text: str) -> list[str]:
    """nginx variables (`$name`, `${name}`) in a value that Istio would take literally."""
    return [m.group(0) for m in _VARIABLE.finditer(text) if m.group(1)]


# Problems `to_re2` finds that are syntax errors for PCRE too (the pattern does not compile at all).
_SYNTAX_ERRORS = (
    "an unmatched `)`",
    "an unclosed `(`",
    "a trailing backslash",
    "an unterminated character class",
    "an unknown group syntax",
)
# Python `re` errors on an RE2 spelling that PCRE reports as well (bad quantifiers and ranges).
_SHARED_ERRORS = (
    "nothing to repeat",
    "multiple repeat",
    "min repeat greater than max",
    "bad character range",
)


def pcre_error(pattern: str) -> str | None:
    """Why PCRE refuses to compile `pattern` (so `ngx.re.match` returns an error), or None."""
    conversion = to_re2(pattern)
    for problem in conversion.problems:
        if problem.startswith(_SYNTAX_ERRORS):
            return problem
    if conversion.problems:
        return None  # constructs only PCRE knows: PCRE compiles them
    try:
        re.compile(conversion.regex)
    except re.error as exc:
        if exc.msg.startswith(_SHARED_ERRORS):
            return exc.msg
    return None
