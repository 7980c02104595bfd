"""The zh-Hans catalogue covers every translatable string in the code and templates.

msgids are English, so English is complete by construction; this extracts the strings afresh
(in a copy of the source, so the committed catalogue is not rewritten) and compares.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

SOURCE = Path(settings.BASE_DIR) / "sqms"
CATALOGUE = SOURCE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> polib.POFile:
    root = tmp_path_factory.mktemp("i18n")
    shutil.copytree(SOURCE, root / "sqms", ignore=shutil.ignore_patterns("static", "__pycache__"))
    shutil.copy(Path(settings.BASE_DIR) / "manage.py", root / "manage.py")
    env = {**os.environ, "PYTHONPATH": str(root), "SQMS_VAR_DIR": str(root / "var")}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"],
        cwd=root,
        env=env,
        check=True,
    )
    return polib.pofile(str(root / "sqms" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_string_is_in_the_committed_catalogue(extracted: polib.POFile) -> None:
    committed = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(CATALOGUE))}
    missing = [e.msgid for e in extracted if (e.msgctxt, e.msgid) not in committed]
    assert not missing, f"run makemessages -l zh_Hans and translate: {missing[:20]}"


def test_every_entry_is_translated() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


@pytest.mark.django_db
def test_the_blank_choice_of_a_select_is_in_chinese() -> None:
    # Django 6.1's "- Select an option -" has no zh-Hans translation of its own: every select
    # on a Chinese page (problem type, hall, …) showed it in English.
    from django import forms
    from django.utils import translation

    from sqms.core.models import OrgUnit

    field = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False)
    with translation.override("zh-hans"):
        html = field.widget.render("unit", None)
        assert "- 请选择 -" in html and "Select an option" not in html
    with translation.override("en"):
        assert "- Select an option -" in field.widget.render("unit", None)
