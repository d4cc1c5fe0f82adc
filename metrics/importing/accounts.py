"""Which stored account a record's account cell names, and the accounts an import may create.

Exports often carry only the account's name. A reference resolves, in this order:
1. to the account with that external_id;
2. else to the one account with exactly that name (case and spaces as written);
3. else it is a row error saying which: no account has it, or several accounts share the name.
With `create_accounts`, a reference no account has becomes a new account named so, with the same
text as its external_id (so importing the file again finds it by id, and creates nothing).
Several accounts sharing the name stay an error: creating a third would not say which was meant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from metrics.models import Account

from . import reasons

NOT_FOUND = reasons.gettext(
    "no account has this external_id or name: import the accounts first, or create the missing "
    "ones (--create-accounts; “create missing accounts” in the portal)"
)


@dataclass(frozen=True)
class Unresolved:
    reason: reasons.Reason
    creatable: bool  # not found at all (not ambiguous): create_accounts may create it


def find_accounts(refs: set[str]) -> dict[str, int | Unresolved]:
    """Each reference → its account's id, or why it names none. Two queries."""
    found: dict[str, int | Unresolved] = dict(
        Account.objects.filter(external_id__in=refs).values_list("external_id", "id")
    )
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rest = refs - found.keys()
    if rest:
        for name, pk, external_id in Account.objects.filter(name__in=rest).values_list(
            "name", "id", "external_id"
        ):
            by_name[name].append((pk, external_id))
    for ref in rest:
        matches = by_name.get(ref, [])
        if len(matches) == 1:
            found[ref] = matches[0][0]
        elif matches:
            ids = ", ".join(sorted(external_id for _, external_id in matches)[:5])
            found[ref] = Unresolved(
                reasons.ngettext(
                    "%(count)s account has this name (external ids %(ids)s): "
                    "use the account's external_id",
                    "%(count)s accounts have this name (external ids %(ids)s): "
                    "use the account's external_id",
                    len(matches),
                    ids=ids,
                ),
                creatable=False,
            )
        else:
            found[ref] = Unresolved(NOT_FOUND, creatable=True)
    return found


def create_accounts(refs: Iterable[str]) -> dict[str, int]:
    """New accounts named by the references (external_id = name); → reference → id."""
    refs = sorted(set(refs))
    Account.objects.bulk_create(
        [Account(external_id=ref, name=ref) for ref in refs], ignore_conflicts=True
    )
    return dict(Account.objects.filter(external_id__in=refs).values_list("external_id", "id"))
