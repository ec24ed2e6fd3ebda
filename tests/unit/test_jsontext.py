"""The fast indented JSON writer gives exactly `json.dumps(value, indent=2)`, the reference it replaces."""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from kubectl_meshify.jsontext import dumps_indented


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


SCALARS: list[Any] = [
    "",
    "plain",
    'quote " and \\ backslash',
    "line\nbreak\ttab\x00\x1f\x7f",
    "ünïcødé ☃ 𝄞 \u2028",
    0,
    -17,
    10**30,
    True,
    False,
    None,
    0.1,
    -2.5e-300,
    1e300,
    float("nan"),
    float("inf"),
    float("-inf"),
    Colour.RED,
    Level.HIGH,
]
KEYS: list[Any] = ["k", "", "ключ", 'a"b', 1, -2, 1.5, True, False, None]


def random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        return rng.choice(SCALARS)
    if roll < 0.7:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.75:
        return tuple(random_value(rng, depth + 1) for _ in range(rng.randrange(3)))
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_random_values_match_json_dumps() -> None:
    rng = random.Random(19)
    for _ in range(3000):
        value = random_value(rng, 0)
        assert dumps_indented(value) == json.dumps(value, indent=2)


def test_containers_and_subclasses() -> None:
    for value in ([], {}, [[]], {"a": {}}, OrderedDict([("b", 1), ("a", [1, 2])]), {"x": ([], {})}):
        assert dumps_indented(value) == json.dumps(value, indent=2)


def test_what_it_cannot_write_goes_to_json_dumps() -> None:
    """A tuple key: json.dumps refuses it, and so does the fast writer (with the same error)."""
    with pytest.raises(TypeError) as reference:
        json.dumps({(1, 2): "x"}, indent=2)
    with pytest.raises(TypeError) as ours:
        dumps_indented({(1, 2): "x"})
    assert str(ours.value) == str(reference.value)
