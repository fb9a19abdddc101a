"""The interface speaks English, French, German and Spanish."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
# An entry whose msgstr (or first plural form) is empty and not continued on the next line.
UNTRANSLATED = re.compile(r'^msgstr(\[0\])? ""\n(?!")', re.MULTILINE)
MSGID = re.compile(r'^msgid ((?:"[^\n]*"\n)+)', re.MULTILINE)
# What `make messages` leaves out (--ignore).
NOT_READ = (".venv", "var")


def msgids(po: Path) -> set[str]:
    found = {"".join(re.findall(r'"(.*)"', m.group(1))) for m in MSGID.finditer(po.read_text(encoding="utf-8"))}
    return found - {""}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogues_are_complete_and_compiled(lang):
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"
    text = po.read_text(encoding="utf-8")
    header_end = text.index("\n\n")
    assert UNTRANSLATED.findall(text[header_end:]) == []
    assert "#, fuzzy" not in text
    assert po.with_suffix(".mo").stat().st_size > 0


@pytest.mark.gettext
def test_catalogues_hold_every_message_of_the_code(tmp_path):
    """makemessages, run on a copy of the project, finds no message that the committed catalogues lack."""
    copy = tmp_path / "project"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(*NOT_READ, ".git", "__pycache__"))
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "oasst.settings"}
    ignores = [f"--ignore={name}" for name in NOT_READ]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", *ignores],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    in_code = msgids(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    for lang in TRANSLATED:
        assert in_code - msgids(LOCALE_DIR / lang / "LC_MESSAGES" / "django.po") == set(), lang


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("fr", "Aidez à construire un jeu de données ouvert de conversations"),
        ("de", "Helfen Sie mit, einen offenen Datensatz von Gesprächen aufzubauen"),
        ("es", "Ayude a crear un conjunto de datos abierto de conversaciones"),
    ],
)
def test_landing_page_follows_the_browser_language(client, lang, heading):
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.headers["Content-Language"] == lang
    assert heading in response.content.decode()


@pytest.mark.django_db
def test_language_switch_translates_the_pages(client):
    client.force_login(UserFactory())
    response = client.post(reverse("set_language"), {"language": "de", "next": reverse("profile")})
    assert response.status_code == 302
    content = client.get(reverse("profile")).content.decode()
    assert 'lang="de"' in content
    assert "Bestenliste" in content and "Anzeigename" in content and "Leaderboard" not in content


@pytest.mark.django_db
def test_score_terms_are_translated(client):
    client.force_login(UserFactory())
    content = client.get(reverse("my_stats"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Respuestas de asistente escritas" in content
