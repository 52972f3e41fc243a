"""The bulletin's bands and problems from seed 002's April 2023 figures (贺兰县)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fixtures import seed002_april_2023 as seed

from jifen.reports import bulletin_text
from jifen.reports.bulletin_data import compose
from jifen.reports.bulletin_findings import Thresholds, bands, figure, problems


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


@pytest.fixture
def found() -> dict[str, Any]:
    return bands(seed.schools(), seed.INDICATORS, Thresholds())


def test_the_bands_list_the_schools_seed_002_lists(found: dict[str, Any]) -> None:
    assert _names(found["leading"]) == seed.SEED_LEADING
    assert _names(found["middle"]) == seed.SEED_MIDDLE
    assert set(_names(found["low"])) == set(seed.SEED_LOW)


def test_the_lowest_band_is_ranked_by_points_where_seed_002_slips(found: dict[str, Any]) -> None:
    """Seed 002 lists 金山小学 32.56 before 潘昶小学 36.4 and 立岗小学 35.49; by points it comes after them."""
    assert _names(found["low"]) == ["贺兰五小", "潘昶小学", "欣荣小学", "立岗小学", "金山小学", "贺兰一中", "铁西小学",
                                    "贺兰第二高级中学", "暖泉小学", "五星小学", "铁东小学"]
    assert _names(found["low"]) != seed.SEED_LOW
    totals = [s["total"] for s in found["leading"] + found["middle"] + found["low"]]
    assert totals == sorted(totals, reverse=True)
    assert [s["rank"] for s in found["leading"] + found["middle"] + found["low"]] == list(range(1, 32))


def test_leaders_carry_their_points_against_full_marks(found: dict[str, Any]) -> None:
    first = found["leading"][0]
    assert (first["name"], first["total"]) == ("贺兰三中", 84.43)
    points = {i["name"]: (i["points"], i["max"]) for i in first["indicators"]}
    assert points["线上备课"] == (16.15, 20) and points["互动授课"] == (15.28, 20)
    assert points["三个课堂"] == (13.33, 15) and points["教学资源"] == (10.34, 15)
    assert points["教务管理"] == (10, 10) and points["校务管理"] == (10, 10)
    assert "教师测评" not in points  # yearly, and nothing in April
    assert "课后辅导" not in points  # 3.39 of 10: under 35 % of full marks, not named (as in seed 002)
    assert "研修活动" in {i["name"] for i in found["leading"][4]["indicators"]}  # 贺兰县实验小学 7.67 of 10


def test_the_band_settings() -> None:
    from jifen.config import Settings
    from jifen.errors import InvalidInput
    from jifen.reports.bulletin_data import thresholds

    chosen = thresholds(Settings(bulletin_leading_points=70, bulletin_lower_points=30, bulletin_full_marks_share=0.2))
    assert (chosen.leading, chosen.lower, chosen.full_marks_share) == (70, 30, 0.2)
    with pytest.raises(InvalidInput, match="JIFEN_BULLETIN_LOWER_POINTS"):
        thresholds(Settings(bulletin_leading_points=30, bulletin_lower_points=40))


def test_ties_are_ranked_by_code() -> None:
    tied = [{"code": "b", "name": "乙", "total": 50}, {"code": "a", "name": "甲", "total": 50}]
    assert _names(bands(tied, seed.INDICATORS, Thresholds())["middle"]) == ["甲", "乙"]


def test_the_thresholds_move_the_bands() -> None:
    found = bands(seed.schools(), seed.INDICATORS, Thresholds(leading=80, lower=50))
    assert _names(found["leading"]) == ["贺兰三中", "贺兰二小"]
    assert _names(found["middle"])[-1] == "兰光小学"


@pytest.fixture
def found_problems() -> list[dict[str, Any]]:
    return problems(seed.schools(), seed.INDICATORS, seed.previous(), None, Thresholds())


def _kind(found: list[dict[str, Any]], kind: str, indicator: str | None = None) -> dict[str, Any]:
    (chosen,) = [p for p in found if p["kind"] == kind and (indicator is None or p.get("indicator") == indicator)]
    return chosen


def test_teaching_indicators_with_almost_no_full_marks(found_problems: list[dict[str, Any]]) -> None:
    rare = _kind(found_problems, "rare_full_marks")
    named = {i["name"] for i in rare["indicators"]}
    assert {"线上备课", "互动授课"} <= named
    assert "三个课堂" not in named  # ten schools have its 15 points
    assert "满分几乎没有" in rare["text"] and rare["suggestion"]


def test_low_research_and_evaluation_points(found_problems: list[dict[str, Any]]) -> None:
    research = _kind(found_problems, "low_research")
    assert {i["name"] for i in research["indicators"]} == {"研修活动", "教研资源"}  # 教师测评 is yearly
    evaluation = _kind(found_problems, "low_evaluation")
    assert {i["name"] for i in evaluation["indicators"]} == {"学生评价", "教师评价"}
    assert "偏低" in research["text"] and "普遍较低" in evaluation["text"]


def test_schools_without_management_points_and_the_eleven_with_full_marks(
        found_problems: list[dict[str, Any]]) -> None:
    management = _kind(found_problems, "no_management")
    assert management["full_schools"] == 11
    assert {seed.APRIL[int(c[-3:]) - 1][0] for c in management["schools"]} == {
        "贺兰一中", "铁西小学", "贺兰第二高级中学", "暖泉小学", "五星小学", "铁东小学"}
    assert "有11所学校在校务管理、教务管理分值为满分" in management["text"]


def test_the_problems_count_the_adjustments_on_each_indicator() -> None:
    """贺兰一中 has no management points, but an adjustment (an approved appeal, say) credits it 2.5 on 校务管理:
    it earned those points, and is not named as without any."""
    schools = seed.schools()
    yizhong = next(s for s in schools if s["name"] == "贺兰一中")
    yizhong["earned"] = {**yizhong["points"], "school_affairs": 2.5}
    management = _kind(problems(schools, seed.INDICATORS, seed.previous(), None, Thresholds()), "no_management")
    assert yizhong["code"] not in management["schools"] and len(management["schools"]) == 5


def test_online_class_points_that_fell_or_stayed_at_zero(found_problems: list[dict[str, Any]]) -> None:
    fell = _kind(found_problems, "fell", "three_classrooms")
    assert [(f["name"], f["before"], f["now"]) for f in fell["schools"]] == [
        ("贺兰二中", 15, 4.17), ("银光小学", 8.93, 0), ("贺兰四小", 15, 11.46)]
    assert "贺兰二中由15分降至4.17分" in fell["text"]
    zero = _kind(found_problems, "zero_streak", "three_classrooms")
    assert "贺兰五小、贺兰一中、贺兰第二高级中学三个课堂积分连续两月为0" in zero["text"]
    assert "银光小学" not in zero["text"]  # zero now, but 8.93 in March
    assert {fell["group"], zero["group"]} == {"online"}


def test_no_previous_month_means_no_month_over_month_problems() -> None:
    found = problems(seed.schools(), seed.INDICATORS, None, None, Thresholds())
    assert not [p for p in found if p["kind"] in ("fell", "zero_streak")]


USAGE = {
    "county_code": seed.COUNTY_CODE, "month": seed.MONTH,
    "registration": {"as_of": "2023-05-05", "threshold": 0.6,
                     "totals": {"teachers_registered": 3696, "teachers": 3696, "students_registered": 38128,
                                "students": 39905, "parents_registered": 9971},
                     "rows": [{"school_code": seed.code_of("民乐小学"), "school_name": "民乐小学",
                               "teachers_registered": 40, "teachers": 40, "teacher_rate": 1.0,
                               "students_registered": 60, "students": 550, "student_rate": 0.109,
                               "parents_registered": 10}],
                     "below": [{"school_code": seed.code_of("民乐小学"), "school_name": "民乐小学",
                                "student_rate": 0.109}]},
    "online_classes": {"term_start": "2023-02-13", "weeks": 10, "standard_per_week": 5, "rows": []},
    "digital_school": {"term_start": "2023-02-13", "rows": []},
    "classroom_usage": {
        "weeks": ["2023-04-17"], "room_types": [{"code": "online_interactive", "name": "在线互动教室",
                                                 "standard_per_week": 5}],
        "rows": [{"school_code": seed.code_of("贺兰五小"), "school_name": "贺兰五小", "room_type": "online_interactive",
                  "rooms": 2, "uses": 0, "per_room_per_week": 0}],
        "flags": [{"school_code": seed.code_of("贺兰四中"), "school_name": "贺兰四中", "room_type": "reading",
                   "kind": "repeated", "weeks": ["2023-04-03", "2023-04-10", "2023-04-17"],
                   "message": "贺兰四中智慧阅读教室连续3周报送数据相同"}]},
}


def test_usage_problems_doubtful_repeated_figures_and_low_registration() -> None:
    found = problems(seed.schools(), seed.INDICATORS, seed.previous(), USAGE, Thresholds())
    repeated = _kind(found, "repeated")
    assert "真假难辨" in repeated["text"] and "贺兰四中智慧阅读教室连续3周报送数据相同" in repeated["text"]
    assert repeated["group"] == "classrooms"
    assert "民乐小学10.9%" in _kind(found, "registration_below")["text"]
    assert [p["group"] for p in found] == sorted((p["group"] for p in found),
                                                 key=["platform", "national", "online", "digital",
                                                      "classrooms"].index)


def _bulletin(usage: dict[str, Any] | None) -> dict[str, Any]:
    return compose(county_code=seed.COUNTY_CODE, county_name=seed.COUNTY_NAME, month=seed.MONTH, version=1,
                   state="published", indicators=seed.INDICATORS, schools=seed.schools(), previous=seed.previous(),
                   previous_month=seed.PREVIOUS_MONTH, usage=usage, issued_on=date(2023, 5, 8),
                   thresholds=Thresholds())


def test_the_text_follows_seed_002() -> None:
    text = [b["text"] for b in bulletin_text.blocks(_bulletin(None))]
    assert text[:4] == ["贺兰县教育体育局", "关于全县中小学教育云平台应用情况的通报", "各中小学：", text[3]]
    assert "（一）4月份教育云平台积分情况（月度积分满分为145分，教师测评年度满分10分）" in text
    assert any("贺兰三中84.43分：其中线上备课16.15分（满分20分）" in t for t in text)
    assert any(t.startswith("分值40分-60分的学校有10所：常信小学58.92分、贺兰八小58.67分") for t in text)
    for heading in ("一、基本应用情况", "二、存在问题及建议", "三、下一步工作要求"):
        assert heading in text
    assert "本月未导入国家平台注册数据。" in text and "本月未导入项目教室周使用数据。" in text
    assert text[-3:] == ["附件：贺兰县中小学教育云平台月度积分报表（2023年4月）", "贺兰县教育体育局", "2023年5月8日"]


def test_a_rule_set_without_monthly_full_marks_names_none() -> None:
    """Fixed points per action (Shihe's rule set) have no monthly maximum: the heading says no "满分为0分"."""
    fixed = [{**i, "max": None, "annual_max": None} for i in seed.INDICATORS]
    data = compose(county_code=seed.COUNTY_CODE, county_name=seed.COUNTY_NAME, month=seed.MONTH, version=1,
                   state="published", indicators=fixed, schools=seed.schools(), previous=None, previous_month=None,
                   usage=None, issued_on=date(2023, 5, 8), thresholds=Thresholds())
    text = [b["text"] for b in bulletin_text.blocks(data)]
    assert "（一）4月份教育云平台积分情况" in text
    assert not any("满分为0分" in t for t in text)


def test_the_text_with_usage_figures() -> None:
    text = "\n".join(b["text"] for b in bulletin_text.blocks(_bulletin(USAGE)))
    assert "截至2023年5月5日，国家中小学智慧教育平台贺兰县注册人数51795人" in text
    assert "学生注册率低于60%的1所学校分别为：民乐小学10.9%" in text
    assert "1. 在线互动教室：全县1所学校有在线互动教室" in text
    assert "本月未导入在线课堂开课数据。" in text  # its rows are empty: no data, said so
    assert "真假难辨" in text


def test_a_draft_says_so() -> None:
    data = {**_bulletin(None), "state": "draft"}
    kinds = [b["kind"] for b in bulletin_text.blocks(data)]
    assert kinds[:4] == ["head", "title", "note", "addressees"]


def test_online_classes_and_digital_school_sections() -> None:
    def school(name: str) -> dict[str, Any]:
        return {"school_code": seed.code_of(name), "school_name": name}

    usage = {**USAGE,
             "online_classes": {"term_start": "2023-03-01", "weeks": 8.71, "standard_per_week": 5.0, "rows": [
                 {**school("贺兰县实验小学"), "rooms": 1, "classes": 65, "per_room": 65, "per_room_per_week": 7.46,
                  "meets_standard": True},
                 {**school("银光小学"), "rooms": 2, "classes": 14, "per_room": 7, "per_room_per_week": 0.8,
                  "meets_standard": False}]},
             "digital_school": {"term_start": "2023-03-01", "rows": [
                 {**school("贺兰县实验小学"), "teachers": 100, "microlectures": 1447, "moocs": 0,
                  "microlectures_per_teacher": 14.47, "moocs_per_teacher": 0},
                 {**school("贺兰二小"), "teachers": 80, "microlectures": 775, "moocs": 563,
                  "microlectures_per_teacher": 9.69, "moocs_per_teacher": 7.04}]}}
    text = "\n".join(b["text"] for b in bulletin_text.blocks(_bulletin(usage)))
    assert "平均开课率不低于5课时/周。各学校主讲端从2023年3月1日开学至今（8.71周）每室开课节数，达到标准的学校有贺兰县实验小学65节" in text
    assert "未达到标准的学校有银光小学7节（每周0.8节）。" in text
    assert "各学校知识点微课资源数：贺兰县实验小学1447节（师均14.47件）、贺兰二小775节（师均9.69件）。" in text
    assert "慕课资源数：贺兰二小563件（师均7.04件）。" in text
    below = _kind(problems(seed.schools(), seed.INDICATORS, None, usage, Thresholds()), "online_below_standard")
    assert "低于每周5课时的标准：银光小学每室每周0.8节" in below["text"]


def test_usage_sections_without_figures_say_so() -> None:
    """usage_data lists every school, with zeros, before anything is imported: that is no data, not a problem."""
    rows = [{"school_code": seed.code_of("贺兰二小"), "school_name": "贺兰二小", "teachers_registered": 0,
             "teachers": 0, "teacher_rate": None, "students_registered": 0, "students": 0, "student_rate": None,
             "parents_registered": 0}]
    usage = {**USAGE, "registration": {"as_of": None, "threshold": 0.6, "totals": {}, "rows": rows, "below": []},
             "digital_school": {"term_start": "2023-03-01", "rows": [
                 {"school_code": seed.code_of("贺兰二小"), "school_name": "贺兰二小", "teachers": 80,
                  "microlectures": 0, "moocs": 0, "microlectures_per_teacher": 0, "moocs_per_teacher": 0}]}}
    text = [b["text"] for b in bulletin_text.blocks(_bulletin(usage))]
    assert "本月未导入国家平台注册数据。" in text
    assert "本学期各学校均未上传知识点微课和慕课资源。" in text
    assert not [p for p in problems(seed.schools(), seed.INDICATORS, None, usage, Thresholds())
                if p["kind"] == "registration_below"]


def test_a_district_speaks_of_itself_as_a_district() -> None:
    from jifen.reports.bulletin_data import title

    assert title("贺兰县") == "关于全县中小学教育云平台应用情况的通报"
    assert title("原州区") == "关于全区中小学教育云平台应用情况的通报"
    assert title("灵武市") == "关于全市中小学教育云平台应用情况的通报"


def test_a_leaders_adjustment_is_named_beside_its_indicators() -> None:
    schools = seed.schools()
    leader = next(s for s in schools if s["name"] == "贺兰三中")
    leader["adjustment"] = -2.5  # its total already holds it: the indicators alone make 86.93
    text = [b["text"] for b in bulletin_text.blocks(compose(
        county_code=seed.COUNTY_CODE, county_name=seed.COUNTY_NAME, month=seed.MONTH, version=1, state="published",
        indicators=seed.INDICATORS, schools=schools, previous=seed.previous(), previous_month=seed.PREVIOUS_MONTH,
        usage=None, issued_on=date(2023, 5, 8), thresholds=Thresholds()))]
    [line] = [t for t in text if "贺兰三中84.43分：" in t]
    assert "人工调整-2.5分" in line.split("贺兰三中84.43分：")[1].split("；")[0]
    assert not any("人工调整" in t for t in bulletin_text.blocks(_bulletin(None)) for t in [t["text"]])


def test_flag_sentences_joined_into_a_problem_end_with_one_stop() -> None:
    flags = [{"school_code": seed.code_of(name), "school_name": name, "room_type": "reading", "kind": "repeated",
              "weeks": ["2023-04-10", "2023-04-17"], "message": f"{name}连续2周报送的项目教室数据重复不变，真假难辨，请核实。"}
             for name in ("贺兰四中", "贺兰五小")]
    usage = {**USAGE, "classroom_usage": {**USAGE["classroom_usage"], "flags": flags}}
    repeated = _kind(problems(seed.schools(), seed.INDICATORS, seed.previous(), usage, Thresholds()), "repeated")
    assert "。。" not in repeated["text"] and "请核实；贺兰五小" in repeated["text"]
    assert repeated["text"].endswith("请核实。")
    assert "。。" not in "\n".join(b["text"] for b in bulletin_text.blocks(_bulletin(usage)))


def test_school_averages_are_rounded_half_up_as_the_settlement_rounds() -> None:
    """1.84 and 2.59 average to 2.215: 2.22, as the county's report says, where Python's round() of the float
    says 2.21."""
    schools = seed.schools()[:2]
    code = next(i["code"] for i in seed.INDICATORS if i["name"] == "研修活动")
    for school, points in zip(schools, (1.84, 2.59), strict=True):
        school["points"][code] = points
    found = problems(schools, seed.INDICATORS, None, None, Thresholds())
    research = _kind(found, "low_research")
    assert next(i["average"] for i in research["indicators"] if i["code"] == code) == 2.22
    assert "研修活动2.22分" in research["text"]
    assert [figure(v) for v in (2.215, 0.125, 15.0, 4.1749, None)] == ["2.22", "0.13", "15", "4.17", "-"]


def test_the_registration_paragraph_counts_the_schools_with_figures_and_names_those_without() -> None:
    from jifen.reports.bulletin_text import _registration

    def school(code: str, rate: float | None, imported: bool = True) -> dict[str, object]:
        return {"school_code": code, "school_name": f"学校{code}", "imported": imported, "student_rate": rate}

    data = {"county_name": "贺兰县", "usage": {"registration": {
        "as_of": "2023-05-05", "threshold": 0.6, "totals": {"students_registered": 10, "students": 10},
        "rows": [school("1", 1.0), school("2", 0.8), school("3", None, False), school("4", None, False)],
        "below": []}}}
    _title, [text] = _registration(data)
    assert "2所学校中有1所学校学生注册率达100%" in text
    assert "另有2所学校未在导出数据中，注册情况不明：学校3，学校4。" in text


def test_sections_the_rule_set_has_no_actions_for_are_left_out() -> None:
    """Shihe's catalog has no online classes and no digital school: no school is held to their standards."""
    from jifen.reports.bulletin_findings import _usage as usage_findings
    from jifen.reports.bulletin_text import _digital_school, _online_classes
    from jifen.reports.usage_data import within_rules
    from jifen.rules.loader import load_shipped

    below = {"school_code": "S1", "school_name": "一小", "per_room": 0.0, "per_room_per_week": 0.0,
             "meets_standard": False, "classes": 0}
    usage = {"online_classes": {"rows": [below], "standard_per_week": 5.0},
             "digital_school": {"rows": [{"school_code": "S1", "microlectures": 0, "moocs": 0}]}}
    for name, kept in (("shihe-2022", False), ("ningxia-2022", True)):
        rules = load_shipped(name).rules
        scoped = within_rules(usage, {(app.code, a.action) for app in rules.apps for a in app.actions})
        data = {"usage": scoped}
        assert (_online_classes(data)[1][0] == "本月适用的积分规则不含在线课堂开课，本项不作统计。") is not kept
        assert (_digital_school(data)[1][0] == "本月适用的积分规则不含数字学校微课、慕课，本项不作统计。") is not kept
        online_problems = [f for f in usage_findings(scoped) if f["kind"] == "online_below_standard"]
        assert bool(online_problems) is kept
        from jifen.reports.bulletin_text import _opening

        opening = _opening({"month": "2026-10", "county_name": "浉河区", "usage": scoped})
        assert ("本学期在线课堂、数字学校应用数据、" in opening) is kept


def test_the_classroom_weeks_are_named_as_they_were_reported_and_who_did_not_report_is_said() -> None:
    from jifen.reports.bulletin_findings import weeks_text
    from jifen.reports.bulletin_text import _classrooms

    assert weeks_text(["2026-10-05", "2026-10-12"], str) == "2026-10-05起2周"
    assert weeks_text(["2026-10-05", "2026-10-19"], str) == "2026-10-05、2026-10-19起的2周"
    usage = {"weeks": ["2026-10-05", "2026-10-19"], "month_weeks": ["2026-10-05", "2026-10-12", "2026-10-19",
                                                                     "2026-10-26"],
             "room_types": [{"code": "tablet", "name": "平板智慧教室", "standard_per_week": None}],
             "rows": [{"school_code": "S1", "school_name": "一小", "room_type": "tablet", "per_room_per_week": 3}],
             "unreported": [{"school_code": "S1", "school_name": "一小", "weeks": 2},
                            {"school_code": "S2", "school_name": "二小", "weeks": 0}]}
    title, paragraphs = _classrooms({"usage": {"classroom_usage": usage}, "county_name": "贺兰县"})
    assert "2026年10月5日、2026年10月19日起的2周" in title
    assert paragraphs[-1] == ("本月共4周，未报送的学校：二小；部分周未报送的学校：一小（报送2周），其周均数据按已报送的周计算。")
