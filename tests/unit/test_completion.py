"""completion: the app's own completion in Cobra's format, as kubectl_complete-meshify prints it."""

from __future__ import annotations

import subprocess
import sysconfig
from pathlib import Path

import pytest

from kubectl_meshify.cli.completion import DIRECTIVE_DEFAULT, DIRECTIVE_NO_FILE_COMP, complete


def test_commands_with_descriptions() -> None:
    lines, directive = complete(["vers"])
    assert (lines, directive) == (["version\tPrint the version of the plugin."], DIRECTIVE_NO_FILE_COMP)


def test_no_words_means_an_empty_current_word() -> None:
    assert complete([]) == complete([""])
    assert "version\tPrint the version of the plugin." in complete([""])[0]


def test_options_after_a_dash() -> None:
    lines, _ = complete(["--"])
    assert {line.split("\t")[0] for line in lines} >= {"--version", "--help"}


def test_choices_of_an_option_value() -> None:
    assert complete(["file", "-o", ""]) == (["yaml", "json"], DIRECTIVE_NO_FILE_COMP)
    assert complete(["file", "-o", "j"]) == (["json"], DIRECTIVE_NO_FILE_COMP)


def test_free_text_values_fall_back_to_file_names() -> None:
    # file mode's PATH... and --report FILE are plain strings: the shell completes file names.
    assert complete(["file", ""]) == ([], DIRECTIVE_DEFAULT)
    assert complete(["file", "--strict", "--report", ""]) == ([], DIRECTIVE_DEFAULT)


def test_nothing_after_a_command_without_arguments() -> None:
    assert complete(["version", ""]) == ([], DIRECTIVE_NO_FILE_COMP)


def test_eager_options_print_nothing_while_completing(capsys: pytest.CaptureFixture[str]) -> None:
    complete(["--version", ""])
    assert capsys.readouterr().out == ""


def test_installed_entry_point_speaks_cobra() -> None:
    # pip/pipx installs put kubectl_complete-meshify next to kubectl-meshify (pyproject [project.scripts]).
    script = Path(sysconfig.get_path("scripts")) / "kubectl_complete-meshify"
    if not script.exists():
        pytest.skip(f"{script} is not installed (run pip install -e .)")
    result = subprocess.run([str(script), "vers"], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "version\tPrint the version of the plugin.\n:4\n",
        "",
    )
