"""Every message the pages can show has its isiZulu translation, and every value of the
vocabulary its label: a new string without one fails here, not in front of a convener."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from web.i18n import LANGUAGES, PACKAGE, catalog_path, environment, translations
from web.labels import LABELS

TRANSLATED = [language for language in LANGUAGES if language != "en"]


@cache
def extracted() -> frozenset[str]:
    """The source's messages, as ``pybabel extract -F web/babel.cfg -k N_`` finds them."""
    with (PACKAGE / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(PACKAGE, method_map, options_map, keywords=keywords)
    return frozenset(
        message if isinstance(message, str) else message[0] for _, _, message, *_ in found
    )


def catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation(language: str) -> None:
    messages = extracted()
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(language) if m.id}
    missing = sorted(messages - entries.keys())
    untranslated = sorted(
        key
        for key in messages & entries.keys()
        if entries[key].fuzzy
        or not all(
            entries[key].string if isinstance(entries[key].string, tuple) else [entries[key].string]
        )
    )
    assert (missing, untranslated) == ([], [])
    assert len(messages) > 150  # the extraction found the templates and the labels


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_holds_no_stale_message_and_no_english_copy(language: str) -> None:
    entries = [m for m in catalog(language) if m.id]
    messages = extracted()
    stale = sorted(
        str(m.id) for m in entries if (m.id if isinstance(m.id, str) else m.id[0]) not in messages
    )
    copied = sorted(str(m.id) for m in entries if m.string == m.id)
    assert (stale, copied) == ([], [])


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders(language: str) -> None:
    problems = [(str(m.id), [str(e) for e in errors]) for m, errors in catalog(language).check()]
    assert problems == []


def test_every_vocabulary_value_has_one_label() -> None:
    for kind, (vocabulary, labels) in LABELS.items():
        if vocabulary is not None:
            assert set(labels) == {member.value for member in vocabulary}, kind


def test_pages_show_labels_and_plurals_in_isizulu() -> None:
    env = environment("zu")
    assert env.from_string('{{ "made"|label("referral_status") }}').render() == "Kudluliselwe"
    assert (
        translations("zu").ngettext("%(num)d day overdue", "%(num)d days overdue", 3) % {"num": 3}
        == "Kwedlule izinsuku ezingu-3"
    )
    assert Path(catalog_path("zu")).suffix == ".po"


def test_a_withheld_special_category_reads_as_its_broad_label() -> None:
    # Without pii:read a household's "gbv" need is read as "safety" (api.personal)
    template = '{{ "safety"|label("need_category") }}'
    assert environment("en").from_string(template).render() == "Safety (details withheld)"
    assert environment("zu").from_string(template).render() == "Ukuphepha (imininingwane ifihliwe)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_underscore_writes_every_message_as_the_i18n_extension_does(language: str) -> None:
    # ``environment``'s ``_`` formats a message without variables once: the same text as
    # Jinja's new-style gettext, escaped or not, for every message of the catalog (with ``%%``,
    # quotes and ampersands), with variables (escaped into it) and without autoescaping.
    reference = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    reference.install_gettext_translations(  # type: ignore[attr-defined]
        translations(language), newstyle=True
    )
    ours = environment(language)
    messages = [m.id for m in catalog("zu") if m.id and isinstance(m.id, str)]
    assert len(messages) > 500
    template = "{{ _(m) }}|{{ _(m) }}|{% autoescape false %}{{ _(m) }}{% endautoescape %}"
    variables = '{{ _("Household %(ref)s", ref=r) }}{{ _("since %(day)s", day=r) }}'
    for message in [*messages, "100%% & <b>'x'</b>"]:
        expected = _written(reference, template, m=message)
        assert _written(ours, template, m=message) == expected, message
    for value in ("<i>&amp;</i>", "a'b", "ABC"):
        expected = reference.from_string(variables).render(r=value)
        assert ours.from_string(variables).render(r=value) == expected


def _written(env: Environment, template: str, **values: str) -> str:
    """The template's text, or the error it raised (a message with variables none were
    given for)."""
    try:
        return env.from_string(template).render(**values)
    except (KeyError, TypeError, ValueError) as error:
        return repr(error)
