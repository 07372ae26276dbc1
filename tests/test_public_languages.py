"""Russian, English and Kazakh pages: translated texts, Russian marked lang="ru", plurals, dates."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from registry import models
from tests import factories


def get(client, path, language):
    client.cookies["django_language"] = language
    return client.get(path)


def main_of(response):
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.django_db
class TestTranslatedTexts:
    def test_a_translation_is_shown_in_its_language(self, article, client):
        html = main_of(get(client, "/programmes/ru-kz-technical-training/", "en"))
        assert "Russian President Vladimir Putin" in html
        assert "Президент России" not in html
        assert "Training personnel in technical specialities" in html

    def test_a_missing_translation_shows_the_russian_text_marked_lang_ru(self, client):
        factories.institution(slug="no-english", notes="Только по-русски.")
        html = main_of(get(client, "/institutions/no-english/", "en"))
        assert '<span lang="ru">Только по-русски.</span>' in html

    def test_a_translated_text_carries_no_lang_mark(self, client):
        factories.institution(slug="both", notes="По-русски.", notes_en="In English.")
        html = main_of(get(client, "/institutions/both/", "en"))
        assert "In English." in html and '<span lang="ru">' not in html.split("In English.")[0][-30:]

    def test_kazakh_pages_show_the_kazakh_names_the_registry_stores(self, article, client):
        html = main_of(get(client, "/institutions/", "kk"))
        assert "М. В. Ломоносов атындағы Мәскеу мемлекеттік университеті" in html
        assert "Алматы технологиялық университеті" in html
        # No Kazakh name stored: the Russian one, marked.
        assert '<span lang="ru">Сколковский институт науки и технологий</span>' in html

    @pytest.mark.parametrize("language", ["ru", "en", "kk"])
    def test_the_switch_offers_three_languages(self, client, language):
        html = get(client, "/", language).content.decode()
        assert f'<html lang="{language}">' in html
        for code, name in [("ru", "Русский"), ("en", "English"), ("kk", "Қазақша")]:
            assert f'value="{code}" lang="{code}"' in html and name in html

    def test_quotes_stay_in_the_source_language(self, article, client):
        html = main_of(get(client, "/institutions/msu/", "en"))
        assert '<blockquote lang="ru">' in html

    def test_the_indicator_card_reads_in_english(self, article, client):
        html = main_of(get(client, "/", "en"))
        assert "≈ 55,000 people" in html
        assert "8 branches" in html
        assert "One of the leaders in the number of young people" in html
        assert "человек" not in html and "филиалов" not in html


@pytest.mark.django_db
class TestPluralsAndDates:
    @pytest.mark.parametrize(
        ("count", "words"),
        [
            (1, "1 учреждение"),
            (3, "3 учреждения"),
            (6, "6 учреждений"),
            (11, "11 учреждений"),
            (21, "21 учреждение"),
        ],
    )
    def test_russian_counts_take_the_right_one_of_three_forms(self, client, count, words):
        for _ in range(count):
            factories.institution()
        html = get(client, "/", "ru").content.decode()
        number, word = words.split(" ")
        assert f"<strong>{number}</strong> {word}</a>" in html

    def test_the_article_counts_read_naturally_in_three_languages(self, article, client):
        assert "<strong>3</strong> филиала" in get(client, "/", "ru").content.decode()
        assert "<strong>6</strong> учреждений" in get(client, "/", "ru").content.decode()
        assert "<strong>3</strong> branches" in get(client, "/", "en").content.decode()
        assert "<strong>3</strong> филиал" in get(client, "/", "kk").content.decode()

    @pytest.mark.parametrize(
        ("language", "found"),
        [("ru", "Найдено 6 записей"), ("en", "6 records found"), ("kk", "6 жазба табылды")],
    )
    def test_the_list_count(self, article, client, language, found):
        assert found in main_of(get(client, "/institutions/", language))

    @pytest.mark.parametrize(
        ("language", "date"),
        [("ru", "12 ноября 2025"), ("en", "12 November 2025"), ("kk", "2025 ж. 12 қараша")],
    )
    def test_dates_are_written_for_the_language(self, article, client, language, date):
        assert date in main_of(get(client, "/indicators/kz-students-in-russia/", language))

    @pytest.mark.parametrize("language", ["ru", "en", "kk"])
    def test_the_days_of_what_is_new_are_written_for_the_language(self, article, client, language):
        from django.utils import formats, timezone, translation

        factories.institution(slug="new-today")  # saved now: its history says so
        with translation.override(language):
            today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        assert f">{today}</time>" in main_of(get(client, "/changes/", language))

    def test_every_catalogue_declares_its_plural_forms(self):
        from pathlib import Path

        expected = {
            "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
            "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
            "en": "nplurals=2; plural=(n != 1);",
            "kk": "nplurals=2; plural=(n != 1);",
        }
        for language, forms in expected.items():
            po = Path(f"locale/{language}/LC_MESSAGES/django.po").read_text()
            assert f"Plural-Forms: {forms}" in po


@pytest.mark.django_db
def test_model_texts_fall_back_to_russian_with_its_code():
    record = models.Indicator(title="Показатель", title_en="Indicator", unit="человек")
    with translation.override("en"):
        assert models.in_reader_language(record, "title") == ("Indicator", "en")
        assert models.in_reader_language(record, "unit") == ("человек", "ru")
    with translation.override("kk"):
        assert models.in_reader_language(record, "title") == ("Показатель", "ru")
    country = models.Country(code="KZ", name_ru="Казахстан", name_en="Kazakhstan", name_kk="Қазақстан")
    with translation.override("kk"):
        assert country.name == "Қазақстан"


@override_settings(LANGUAGE_CODE="ru")
@pytest.mark.django_db
def test_english_and_kazakh_pages_have_no_untranslated_interface_text(article, client):
    """Every Cyrillic word on an English page is record content, and marked lang="ru"."""
    import re

    for path in [
        reverse("registry:home"),
        reverse("registry:institution_list"),
        reverse("registry:branch_list"),
        reverse("registry:agreement_list"),
        reverse("registry:programme_list"),
        reverse("registry:indicator_list"),
        reverse("registry:source_list"),
        reverse("registry:map"),
        "/institutions/msu/",
        "/branches/msu-kazakhstan/",
        "/agreements/orenburg-samara-kz-technical/",
        "/programmes/ru-kz-technical-training/",
        "/indicators/kz-students-in-russia/",
        "/sources/tass-2025-11-12/",
        reverse("registry:changes"),
    ]:
        html = get(client, path, "en").content.decode()
        # Drop what is marked as Russian or Kazakh (record content) and the language switch.
        unmarked = re.sub(r'<(\w+)[^>]*lang="(ru|kk)"[^>]*>.*?</\1>', "", html, flags=re.S)
        unmarked = re.sub(r"<form class=\"language\".*?</form>", "", unmarked, flags=re.S)
        unmarked = re.sub(r"<svg.*?</svg>", "", unmarked, flags=re.S)
        # A <title> holds no markup to mark a language with: the page's heading carries it.
        unmarked = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", "", unmarked, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", unmarked)
        cyrillic = sorted(set(re.findall(r"[А-Яа-яЁё][А-Яа-яЁё\- ]*", text)))
        assert cyrillic == [], f"{path}: {cyrillic}"


def test_the_kazakh_catalogue_translates_every_public_string():
    """Every string of the public templates, filters, views and map has a Kazakh translation."""
    import re
    from pathlib import Path

    po = Path("locale/kk/LC_MESSAGES/django.po").read_text()
    public = re.compile(
        r"#: .*(templates/(registry|includes|base|404|500)"
        r"|registry/(filters|views|maps|changes|citing|open_data|reconcile|matching)\.py)"
    )
    untranslated = []
    for entry in po.split("\n\n")[1:]:
        if not public.search(entry):
            continue
        if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', entry, flags=re.M):
            untranslated.append(re.search(r'msgid "(.*)"', entry).group(1))
    assert untranslated == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/match/", "/changes/", "/data/", "/institutions/msu/", "/sources/tass-2025-11-12/"]
)
def test_kazakh_pages_have_no_russian_interface_text(article, client, path):
    html = get(client, path, "kk").content.decode()
    russian = [
        "Что нового",
        "Новая запись",
        "Открытые данные",
        "Полная выгрузка",
        "Выгрузки пока нет",
        "Файл</dt>",
        "Размер",
        "байт",
        "Как цитировать",
        "дата обращения",
        "Лицензия данных",
        "Сопоставить",
        "Лента Atom",
    ]
    assert [text for text in russian if text in html] == []


@pytest.mark.django_db
def test_staff_enter_the_translations_in_the_admin(admin_client, article):
    programme = models.Programme.objects.get(slug="ru-kz-technical-training")
    html = admin_client.get(reverse("admin:registry_programme_change", args=[programme.pk])).content.decode()
    for name in ["aim_en", "aim_kk", "proposed_by_en", "notes_kk", "title_kk"]:
        assert f'name="{name}"' in html
    assert 'name="status_steps-0-note_en"' in html
    agreement = models.Agreement.objects.get(slug="orenburg-samara-kz-technical")
    html = admin_client.get(reverse("admin:registry_agreement_change", args=[agreement.pk])).content.decode()
    assert 'name="parties-0-description_en"' in html
