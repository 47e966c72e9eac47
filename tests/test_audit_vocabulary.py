"""One audit vocabulary (tsunagu/audit/actions.py): every action the code can record is a member of
an app's ``AuditAction`` enum, each with an English label translated into Japanese, so that the
auditor reads what happened, not a code. Old spellings keep their rows and get the new labels."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from tsunagu.audit import actions
from tsunagu.audit.actions import AuditAction
from tsunagu.audit.services import record

ROOT = Path(__file__).resolve().parent.parent
#: The functions that write an audit row, and what a module may call them as.
WRITERS = {"record", "record_denied", "audit", "refusals_audited"}


def unlabelled(members: Iterable[AuditAction]) -> list[str]:
    """Actions whose label was not written for people: no translatable label, or none in Japanese."""
    missing = []
    for member in members:
        label = member.label
        with translation.override("ja"):
            japanese = str(label)
        with translation.override("en"):
            english = str(label)
        if not isinstance(label, Promise) or english == member.value or japanese == english:
            missing.append(member.value)
    return missing


def free_strings(source: str, name: str) -> list[str]:
    """Calls of an audit writer whose action is a string written in place rather than a member."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if called not in WRITERS:
            continue
        given = [k.value for k in node.keywords if k.arg == "action"] + (
            node.args[:1] if called == "refusals_audited" else []
        )
        for value in given:
            strings = [n for n in ast.walk(value) if isinstance(n, ast.JoinedStr | ast.Constant)]
            if any(isinstance(n, ast.JoinedStr) or isinstance(n.value, str) for n in strings):
                found.append(f"{name}:{node.lineno}")
    return found


def test_every_action_has_a_label_in_english_and_japanese() -> None:
    everything = actions.members()
    assert len(everything) > 80  # every app's actions were discovered, not only the audit app's
    assert unlabelled(everything) == []


UNTRANSLATED = "A label nobody translated"


def test_an_action_without_a_label_is_found() -> None:
    class Unlabelled(AuditAction):
        DONE = "test.done"  # Django would make up "Done": not written for people, not in Japanese
        NAMED = "test.named", gettext_lazy(UNTRANSLATED)  # a variable: never extracted into a catalogue

    assert unlabelled(Unlabelled) == ["test.done", "test.named"]
    # The vocabulary is discovered from AuditAction's subclasses (held weakly): forget this one.
    del Unlabelled
    gc.collect()
    assert "test.done" not in {member.value for member in actions.members()}


def test_the_code_records_only_members_of_the_vocabulary() -> None:
    modules = [p for p in (ROOT / "tsunagu").rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    found = []
    for path in modules:
        found += free_strings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_a_free_string_is_found_in_the_source_and_refused_when_written(db: None) -> None:
    source = 'record(actor=a, action="thing.done")\naudit(actor=a, action=f"referral.{step}")\n'
    assert free_strings(source, "x.py") == ["x.py:1", "x.py:2"]
    assert free_strings("record(actor=a, action=ReferralAction.SENT)\n", "x.py") == []
    with pytest.raises(TypeError):
        record(actor=actions_actor(), action="thing.done")  # type: ignore[arg-type]


def actions_actor():  # type: ignore[no-untyped-def]
    from tsunagu.audit.services import SystemActor

    return SystemActor(label="test")


def test_old_spellings_show_the_new_label_and_are_found_by_a_filter() -> None:
    from tsunagu.consultations.actions import ConsultationAction
    from tsunagu.referrals.actions import ReferralAction

    with translation.override("en"):
        assert actions.label("consultation.take") == actions.label(ConsultationAction.TAKEN) == "Consultation taken"
        assert actions.label("referral.viewed") == "Referral opened by the recipient (receipt confirmed)"
        assert actions.label("something.unknown") == "something.unknown"  # shown as stored, never hidden
    assert actions.spellings(ReferralAction.SENT) == ["referral.sent", "referral.send"]
    current = {member.value for member in actions.members()}
    for family in [ConsultationAction, ReferralAction]:
        module = __import__(family.__module__, fromlist=["RENAMED"])
        assert not set(module.RENAMED) & current, "an old spelling must not be a current value"


def test_codes_in_a_detail_read_as_words_for_the_record_they_are_about() -> None:
    from tsunagu.audit.display import detail_text

    with translation.override("ja"):
        detail = {"channel": "web_chat", "risk_flag": False}
        assert detail_text(detail) == "相談方法：ウェブチャット／危険の兆候：いいえ"
        # The same field name means a person's name on a person, a service's name on a service.
        assert detail_text({"fields": ["name", "phone"]}, of="person") == "項目：氏名、電話番号"
        assert detail_text({"fields": ["name"]}, of="service") == "項目：名称"
        assert detail_text({"reason": "missing_permission:audit.view"}) == "理由：このページの権限がない（audit.view）"
        assert detail_text({"level": 3}) == "レベル：高"
        assert detail_text({"concerns": ["housing"]}) == "困りごと：住まい"
        assert detail_text({"reason": "a_code_nobody_knows"}) == "理由：a_code_nobody_knows"  # shown, never hidden
        assert actions.detail_value("target_type", "sharing_exception") == "同意のない提供"


#: Labels that are the same word in Japanese and English.
SAME_IN_BOTH = {"LINE", "-"}


def test_every_code_an_app_labels_has_japanese() -> None:
    actions.members()  # builds the index of every app's declarations
    untranslated = []
    for key, labels in actions._cache.values.items():
        for code, text in labels.items():
            with translation.override("ja"):
                japanese = str(text)
            with translation.override("en"):
                english = str(text)
            if japanese == english and japanese not in SAME_IN_BOTH:
                untranslated.append(f"{key}: {code}")
    assert untranslated == []
