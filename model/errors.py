"""User-facing errors: one line that names the key, the value and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(ValueError):
    """A user input (config value, override or data file) that the model cannot accept.

    Args:
        key: Where the bad input sits, e.g. ``policy_mix.instruments.conversion_fund.size``.
        value: The offending value.
        allowed: What would be accepted, in words.
    """

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key}={value!r} is not allowed: expected {allowed}")


def one_of(what: str, known: Iterable[str]) -> str:
    """'an overcapacity sector: one of steel, coal, ...' (the `allowed` of a ConfigError)."""
    article = "an" if what[:1] in "aeiou" else "a"
    return f"{article} {what}: one of {', '.join(known)}"
