"""Company names and websites normalised into the match keys the duplicate findings group by."""

import pytest

from metrics.models import Account
from metrics.names import normalised_company_name, website_domain
from tests.metrics.factories import AccountFactory


@pytest.mark.parametrize(
    "first, second",
    [
        ("Acme Inc", "ACME, Inc."),
        ("Acme Ltd", "acme limited"),
        ("Müller GmbH", "MULLER GMBH"),
        ("Acme S.A.", "Acme SA"),
        ("Acme Sp. z o.o.", "ACME"),
        ("Acme SRL", "Acme s.r.l."),
        ("ООО «Ромашка»", "Ромашка ООО"),
        ("Walker, Henson & Compton", "Walker Henson Compton"),
    ],
)
def test_the_same_company_written_two_ways_normalises_to_one_name(first, second):
    assert normalised_company_name(first) == normalised_company_name(second) != ""


@pytest.mark.parametrize(
    "first, second",
    [
        ("Acme", "Acme Health"),
        ("Acme Inc", "Acme Holdings Inc"),
        ("AG Bank", "Bank"),  # a legal form's letters at the start of a real name stay
        ("North Wind", "Northwind"),
    ],
)
def test_different_companies_keep_different_names(first, second):
    assert normalised_company_name(first) != normalised_company_name(second)


def test_a_name_that_is_only_a_legal_form_keeps_its_words_and_an_empty_one_stays_empty():
    assert normalised_company_name("Inc.") == "inc"
    assert normalised_company_name("") == ""


@pytest.mark.parametrize(
    "website, domain",
    [
        ("https://WWW.Acme.com/about", "acme.com"),
        ("acme.com", "acme.com"),
        ("www.acme.com:8080", "acme.com"),
        ("http://shop.acme.co.uk/", "shop.acme.co.uk"),
        ("", ""),
        ("http://[not-a-host", ""),
    ],
)
def test_website_domains(website, domain):
    assert website_domain(website) == domain


@pytest.mark.django_db
def test_accounts_get_their_match_keys_on_save_and_on_bulk_upsert():
    saved = AccountFactory(name="ACME, Inc.", website="https://www.acme.com")
    assert (saved.name_key, saved.website_domain) == ("acme", "acme.com")
    saved.name = "Globex GmbH"
    saved.save(update_fields=["name"])
    saved.refresh_from_db()
    assert saved.name_key == "globex"

    Account.objects.bulk_create(
        [Account(external_id=saved.external_id, name="Initech Ltd", website="initech.io")],
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=["name", "website"],
    )
    saved.refresh_from_db()
    assert (saved.name_key, saved.website_domain) == ("initech", "initech.io")
