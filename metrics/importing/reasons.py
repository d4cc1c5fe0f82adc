"""Why a cell (or a row) is refused, kept untranslated until someone reads it.

A row error is found at import time (a command, a worker, a request) but read later, by whoever
opens the job or downloads its error report, in their own language. So a reason is kept as its
English msgid and parameters (`Reason`): stored so in a job's JSON (beside the English sentence,
which machine outputs and the command print), and translated when shown (`str(reason)`, in the
active language).

Build one with `reasons.gettext("is required")` or `reasons.ngettext(singular, plural, count,
...)`: named so that makemessages extracts the msgids as it does Django's own gettext calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation

from ..periods import parse as parse_period


@dataclass(frozen=True)
class PeriodName:
    """A period a reason names: kept as its code, named the reader's way when shown ("Q3 2026",
    "3-й кв. 2026 г.")."""

    code: str

    def _render(self, translated: bool) -> str:
        if translated:
            return parse_period(self.code).label()
        with translation.override("en"):
            return parse_period(self.code).label()

    def as_json(self) -> dict:
        return {"period": self.code}


@dataclass(frozen=True)
class Reason:
    msgid: str
    # values: text, numbers, Reasons or PeriodNames
    params: dict = field(default_factory=dict, hash=False)
    plural: str = ""  # the msgid_plural; params["count"] chooses the form

    def _render(self, translated: bool) -> str:
        params = {
            name: value._render(translated) if isinstance(value, Reason | PeriodName) else value
            for name, value in self.params.items()
        }
        if self.plural:
            count = self.params["count"]
            if translated:
                text = translation.ngettext(self.msgid, self.plural, count)
            else:
                text = self.msgid if count == 1 else self.plural
        else:
            text = translation.gettext(self.msgid) if translated else self.msgid
        return text % params if params else text

    def __eq__(self, other) -> bool:
        """Two reasons are equal when they say the same (a test may compare one to its words)."""
        if isinstance(other, Reason):
            return self.english == other.english
        if isinstance(other, str):
            return self.english == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.english)

    def __str__(self) -> str:
        """In the active language."""
        return self._render(True)

    @property
    def english(self) -> str:
        return self._render(False)

    def as_json(self) -> dict:
        data: dict = {
            "msgid": self.msgid,
            "params": {
                name: value.as_json() if isinstance(value, Reason | PeriodName) else value
                for name, value in self.params.items()
            },
        }
        if self.plural:
            data["plural"] = self.plural
        return data

    @classmethod
    def from_json(cls, data: dict) -> Reason:
        return cls(
            msgid=data["msgid"],
            params={
                name: _param_from_json(value) for name, value in data.get("params", {}).items()
            },
            plural=data.get("plural", ""),
        )


def _param_from_json(value):
    if isinstance(value, dict):
        return PeriodName(value["period"]) if "period" in value else Reason.from_json(value)
    return value


def gettext(msgid: str, **params) -> Reason:
    """A reason to translate when shown (the msgid is extracted like gettext's)."""
    return Reason(msgid, params)


def ngettext(singular: str, plural: str, count: int, **params) -> Reason:
    """A reason with a count, to translate when shown (`%(count)s` is the count)."""
    return Reason(singular, {"count": count, **params}, plural)


def verbatim(text: str) -> Reason:
    """A reason that is already words of its own (a stored reason from before they were kept
    as msgids, a message from elsewhere): translated when the catalogue has it, else as is."""
    return Reason(text)


def of(exc: Exception) -> Reason:
    """The reason a DateError or BadValue was raised with."""
    arg = exc.args[0] if exc.args else ""
    return arg if isinstance(arg, Reason) else verbatim(str(arg))
