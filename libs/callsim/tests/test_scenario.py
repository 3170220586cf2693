"""Scenario files: valid files load with their defaults; bad ones fail naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from callsim.scenario import DEFAULT_FROM, DEFAULT_TO, ScenarioError, load_file, load_paths

REPO = Path(__file__).resolve().parents[3]

BOOK = """
name: book-checkup
patient: Maria Lopez
steps:
  - say: I'd like to book a checkup
    expect_reply: first and last name
  - say: Maria Lopez
  - dtmf: "03031980"
  - interrupt: {heard: "Let me"}
  - hangup:
expect:
  outcome: contained
  reply_contains: booked
  appointment: {appointment_type: checkup}
  handoff: null
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str, name: str = "bad.yaml") -> str:
    path = write(tmp_path, name, text)
    with pytest.raises(ScenarioError) as caught:
        load_paths([path])
    message = str(caught.value)
    assert str(path) in message  # every error names the file
    return message


def test_a_full_scenario_loads_with_defaults_and_normalised_fields(tmp_path: Path) -> None:
    [scenario] = load_file(write(tmp_path, "book.yaml", BOOK))
    assert scenario.name == "book-checkup"
    assert scenario.source == str(tmp_path / "book.yaml")
    assert (scenario.from_number, scenario.to_number) == (DEFAULT_FROM, DEFAULT_TO)
    assert [step.kind for step in scenario.steps] == ["say", "say", "dtmf", "interrupt", "hangup"]
    assert scenario.steps[0].expect_reply == ["first and last name"]  # one string -> a list
    assert scenario.steps[2].keys == "03031980#"  # the terminator is added
    assert scenario.steps[3].interrupt is not None
    assert scenario.steps[3].interrupt.heard == "Let me"
    assert scenario.steps[4].hangup is not None  # a bare `hangup:` means defaults
    assert scenario.steps[4].hangup.reason == "caller"
    assert scenario.expect.reply_contains == ["booked"]
    [appointment] = scenario.expect.appointments  # `appointment:` is one of `appointments`
    assert (appointment.appointment_type, appointment.status) == ("checkup", "booked")
    assert scenario.patients() == {"maria lopez"}


def test_dtmf_with_its_own_terminator_is_sent_as_is(tmp_path: Path) -> None:
    text = 'name: x\nsteps: [{dtmf: "12#"}]\n'
    [scenario] = load_file(write(tmp_path, "x.yaml", text))
    assert scenario.steps[0].keys == "12#"


def test_a_file_may_hold_a_list_and_folders_load_recursively(tmp_path: Path) -> None:
    write(tmp_path, "one.yaml", "- {name: a, steps: [{say: hi}]}\n- {name: b, steps: [{say: hi}]}")
    (tmp_path / "more").mkdir()
    write(tmp_path / "more", "two.yml", "name: c\nsteps: [{say: hi}]\n")
    write(tmp_path, "notes.txt", "not a scenario")
    # Files in path order (more/two.yml sorts before one.yaml), scenarios in file order.
    assert [s.name for s in load_paths([tmp_path])] == ["c", "a", "b"]


@pytest.mark.parametrize(
    ("text", "field", "hint"),
    [
        ('name: x\nsteps: [{say: hi, dtmf: "1"}]', "steps[0]", "exactly one of"),
        ("name: x\nsteps: [{}]", "steps[0]", "got none"),
        ("name: x\nsteps: [{say: hi}, {dtmf: 0303}]", "steps[1].dtmf", "quoted string"),
        ('name: x\nsteps: [{dtmf: "12a"}]', "steps[0].dtmf", "'a'"),
        ("name: x\nstep: [{say: hi}]", "step", "unknown field"),
        ("name: x\nstep: [{say: hi}]", "steps", "required field is missing"),
        ("name: x\nsteps: []", "steps", "at least 1"),
        ("name: x\nsteps: [{sya: hi}]", "steps[0].sya", "unknown field"),
        ("name: x\nsteps: [{say: hi}]\nexpect: {outcome: won}", "expect.outcome", "'contained'"),
        (
            "name: x\nsteps: [{say: hi}]\nexpect: {appointments_unchanged: true}",
            "(top level)",
            "patient",
        ),
        (
            "name: x\nsteps: [{say: hi}]\nexpect: {outcome: contained, handoff: {}}",
            "expect",
            "handoff is expected",
        ),
        ("name: x\nsteps: [{hangup: {}, expect_reply: bye}]", "steps[0]", "does not apply"),
        ("name: x\nfrom: 15555550123\nsteps: [{say: hi}]", "from", "quoted"),
        ("steps: [{say: hi}]", "name", "required"),
    ],
)
def test_invalid_scenarios_name_the_field(tmp_path: Path, text: str, field: str, hint: str) -> None:
    message = error_of(tmp_path, text)
    assert f": {field}: " in message
    assert hint in message


def test_errors_in_a_list_name_the_item_and_scenario(tmp_path: Path) -> None:
    text = "- {name: ok, steps: [{say: hi}]}\n- {name: broken, steps: [{wait: 1}]}\n"
    message = error_of(tmp_path, text, "list.yaml")
    assert "list.yaml[1] (broken): steps[0].wait: unknown field" in message


def test_broken_yaml_and_wrong_shapes_are_reported(tmp_path: Path) -> None:
    assert "not valid YAML" in error_of(tmp_path, "name: [unclosed\n")
    assert "no scenario" in error_of(tmp_path, "")
    assert "must be a mapping" in error_of(tmp_path, "- just a string\n")


def test_duplicate_names_across_files_are_refused(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "name: same\nsteps: [{say: hi}]\n")
    second = write(tmp_path, "b.yaml", "name: same\nsteps: [{say: hello}]\n")
    with pytest.raises(ScenarioError, match="'same' is also used in") as caught:
        load_paths([first, second])
    assert str(first) in str(caught.value) and str(second) in str(caught.value)


def test_missing_paths_and_empty_folders_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_paths([tmp_path / "nope.yaml"])
    with pytest.raises(ScenarioError, match=r"no \.yaml"):
        load_paths([tmp_path])


def test_the_shipped_starter_scenarios_are_valid() -> None:
    scenarios = load_paths([REPO / "tests" / "e2e" / "scenarios"])
    names = {s.name for s in scenarios}
    assert len(names) == len(scenarios) >= 9
