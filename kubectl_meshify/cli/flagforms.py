"""kubectl's spellings of flags that click does not take by itself: `-o=yaml`, `-n=shop` (click would read
the value as `=yaml`) and `--strict=true` / `-A=false` (pflag's boolean flags take a value after `=`).

`--output=json` and `-oyaml` need nothing: click reads them as kubectl does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

# pflag's strconv.ParseBool spellings.
TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class FlagError(ValueError):
    """A boolean flag with a value that is not true or false."""


class OptionLike(Protocol):
    opts: list[str]
    is_flag: bool


def kubectl_flag_forms(args: Sequence[str], options: Iterable[OptionLike]) -> list[str]:
    """`args` with kubectl's `=` forms rewritten into what click reads the same way."""
    by_name = {name: option for option in options for name in option.opts}
    out: list[str] = []
    value_next = False  # the previous word was an option that takes the next word as its value
    for index, arg in enumerate(args):
        if value_next:
            out.append(arg)
            value_next = False
            continue
        if arg == "--":
            out += args[index:]
            break
        if arg in by_name:
            out.append(arg)
            value_next = not by_name[arg].is_flag
            continue
        name, equals, value = arg.partition("=")
        option = by_name.get(name) if equals and arg.startswith("-") else None
        if option is None:
            out.append(arg)
        elif option.is_flag:
            if value in TRUE:
                out.append(name)
            elif value not in FALSE:  # every boolean flag here is off unless given
                raise FlagError(f"invalid argument {value!r} for {name}: use true or false")
        elif name.startswith("--"):
            out.append(arg)
        else:
            out += [name, value]
    return out
