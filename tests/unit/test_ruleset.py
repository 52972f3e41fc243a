from decimal import Decimal

import pytest

from jifen.errors import RuleSetError
from jifen.rules.loader import load_shipped, parse

DOMAIN_APPS = {
    "seewo-easinote5", "digital-textbook", "hite-pi6", "smart-classroom", "teaching-assistant", "digital-school",
    "renrentong", "master-studio", "course-community", "online-classroom", "literacy-assessment", "evaluation",
    "school-affairs", "academic-affairs",
}


def test_ningxia_has_the_twelve_indicators_and_145_monthly_marks() -> None:
    rules = load_shipped("ningxia-2022").rules
    assert [i.code for i in rules.indicators] == [
        "lesson_prep", "interactive_teaching", "tutoring", "three_classrooms", "teaching_resources",
        "research_activity", "research_resources", "literacy_assessment", "student_evaluation",
        "teacher_evaluation", "school_affairs", "academic_affairs",
    ]
    monthly = sum((i.monthly_max for i in rules.indicators if i.code != "literacy_assessment"), Decimal(0))
    assert monthly == 145
    assert sum((i.monthly_max for i in rules.indicators_for("teacher") if i.scoring == "relative"),
               Decimal(0)) == 100
    assert {i.code for i in rules.indicators_for("school")} == {
        "three_classrooms", "teacher_evaluation", "school_affairs", "academic_affairs"}
    assert rules.indicator("literacy_assessment").annual_max == 10
    assert rules.indicator("research_resources").monthly_max == 15


def test_the_whole_catalog_is_there() -> None:
    rules = load_shipped("ningxia-2022").rules
    assert {a.code for a in rules.apps} == DOMAIN_APPS
    assert rules.app("master-studio").status == "integrating"
    renrentong = {a.action: a.indicator for a in rules.app("renrentong").actions}
    assert renrentong == {
        "article.publish": "teaching_resources", "photo.publish": "teaching_resources",
        "resource.upload": "teaching_resources", "studio.resource.upload": "research_resources",
        "community.resource.upload": "research_resources", "studio.microlecture.upload": "research_resources",
    }


def _minimal(**overrides: object) -> str:
    body = {
        "name": "test", "version": 1, "effective_from": "2024-01", "title": "t",
        "indicators": [{"code": "x", "name": "X", "category": "c", "subject": "teacher", "monthly_max": 10,
                        "annual_max": 120}],
        "apps": [{"code": "app", "name": "App", "actions": [{"action": "do.it", "indicator": "x"}]}],
    }
    body.update(overrides)
    import json

    return json.dumps(body)


def test_a_minimal_rule_file_parses() -> None:
    assert parse(_minimal().encode(), source="t.yaml").rules.app("app").action("do.it").describe() == "always"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"version": "one"}, "version"),
        ({"apps": [{"code": "app", "name": "A", "actions": [{"action": "do.it", "indicator": "nope"}]}]},
         "unknown indicator 'nope'"),
        ({"apps": [{"code": "app", "name": "A", "actions": [
            {"action": "do.it", "indicator": "x", "qualifies": {"kind": "at_least", "field": "duration_s",
                                                                "value": "long"}}]}]},
         "apps[0].actions[0].qualifies.value"),
        ({"apps": [{"code": "app", "name": "A", "actions": [
            {"action": "do.it", "indicator": "x", "qualifies": {"kind": "bigger", "field": "duration_s"}}]}]},
         "apps[0].actions[0].qualifies"),
        ({"apps": [{"code": "app", "name": "A", "actions": [
            {"action": "do.it", "indicator": "x", "qualifies": {"kind": "at_least", "field": "sync_count",
                                                                "value": 3}}]}]},
         "attributes.NAME"),
        ({"indicators": []}, "indicators"),
    ],
)
def test_a_malformed_rule_file_is_refused_naming_the_place(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(RuleSetError) as caught:
        parse(_minimal(**overrides).encode(), source="bad.yaml")
    assert caught.value.message.startswith("bad.yaml: ")
    assert named in caught.value.message


def test_not_yaml_at_all() -> None:
    with pytest.raises(RuleSetError, match="bad.yaml: not valid YAML"):
        parse(b"name: [unclosed", source="bad.yaml")
    with pytest.raises(RuleSetError, match="unknown rule set 'atlantis'"):
        load_shipped("atlantis")
