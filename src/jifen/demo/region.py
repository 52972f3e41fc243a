"""A Ningxia-like region as roster rows: 5 cities, up to 22 counties, schools of 10-80 teachers."""

from __future__ import annotations

import math
import random
from itertools import accumulate

from jifen.domain.organisations import RosterRow
from jifen.errors import InvalidInput

CITIES: dict[str, str] = {
    "640100": "银川市",
    "640200": "石嘴山市",
    "640300": "吴忠市",
    "640400": "固原市",
    "640500": "中卫市",
}

# (code, name, relative size): the region's counties and districts, in code order within each city.
COUNTIES: list[tuple[str, str, float]] = [
    ("640104", "兴庆区", 1.6), ("640105", "西夏区", 1.1), ("640106", "金凤区", 1.2),
    ("640121", "永宁县", 0.9), ("640122", "贺兰县", 0.9), ("640181", "灵武市", 0.9),
    ("640202", "大武口区", 0.9), ("640205", "惠农区", 0.7), ("640221", "平罗县", 0.9),
    ("640302", "利通区", 1.2), ("640303", "红寺堡区", 0.7), ("640323", "盐池县", 0.7),
    ("640324", "同心县", 1.1), ("640381", "青铜峡市", 0.8),
    ("640402", "原州区", 1.3), ("640422", "西吉县", 1.2), ("640423", "隆德县", 0.6),
    ("640424", "泾源县", 0.4), ("640425", "彭阳县", 0.7),
    ("640502", "沙坡头区", 1.1), ("640521", "中宁县", 0.9), ("640522", "海原县", 1.1),
]

SUBJECTS = [
    "语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "政治", "音乐", "体育", "美术", "信息技术",
]
_PRIMARY_SUBJECTS = ["语文", "数学", "英语", "音乐", "体育", "美术", "信息技术"]
_PRIMARY_WEIGHTS = [30, 28, 12, 7, 9, 7, 4]
_SECONDARY_WEIGHTS = [16, 16, 13, 6, 5, 5, 6, 5, 6, 4, 7, 4, 4]

# (kind of school, share of schools, relative size)
_SCHOOL_KINDS = [("小学", 0.58, 0.8), ("中学", 0.3, 1.25), ("高级中学", 0.12, 1.7)]

_SURNAMES = "王李张刘陈杨马黄赵吴周徐孙朱胡郭何高林罗海丁田苏韩冯金白余纳哈虎"
_SURNAME_CUM = list(accumulate([9, 9, 8, 7, 5, 5, 8, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]))
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力梅宁琳晶慧亮海燕雪春鹏飞凤云志国"
_CLASSROOM_WEIGHTS = [22, 38, 22, 12, 6]  # online classrooms 0..4

MIN_SCHOOL, MAX_SCHOOL, TEACHERS_PER_SCHOOL = 10, 80, 40


def build_region(teachers: int, seed: int = 2024) -> list[RosterRow]:
    """Roster rows for ``teachers`` teachers, deterministic for ``seed``; grouped by county and school."""
    if teachers < 1:
        raise InvalidInput("teachers must be at least 1")
    rng = random.Random(seed)
    n_schools = _school_count(teachers)
    counties = _counties_used(max(1, min(len(COUNTIES), n_schools // 2)))
    per_county = _schools_per_county(rng, counties, n_schools)
    schools = _schools(rng, counties, per_county)
    sizes = _sizes(rng, [size for *_, size in schools], teachers)
    ids = rng.sample(range(1_000_000, 10_000_000), teachers)
    rows: list[RosterRow] = []
    for (county, code, name, kind, classrooms, _), size in zip(schools, sizes):
        city_code = county[0][:4] + "00"
        if kind == "小学":
            subjects = rng.choices(_PRIMARY_SUBJECTS, weights=_PRIMARY_WEIGHTS, k=size)
        else:
            subjects = rng.choices(SUBJECTS, weights=_SECONDARY_WEIGHTS, k=size)
        for subject in subjects:
            rows.append(RosterRow(
                city_code=city_code, city_name=CITIES[city_code],
                county_code=county[0], county_name=county[1],
                school_code=code, school_name=name, online_classrooms=classrooms,
                teacher_id=f"T{ids[len(rows)]:07d}", teacher_name=person_name(rng), subject=subject,
            ))
    return rows


def person_name(rng: random.Random) -> str:
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
    given = rng.choice(_GIVEN) if rng.random() < 0.3 else rng.choice(_GIVEN) + rng.choice(_GIVEN)
    return surname + given


def _school_count(teachers: int) -> int:
    if teachers < MIN_SCHOOL:
        return 1
    low, high = math.ceil(teachers / MAX_SCHOOL), teachers // MIN_SCHOOL
    return min(high, max(low, 2, round(teachers / TEACHERS_PER_SCHOOL)))


def _counties_used(n: int) -> list[tuple[str, str, float]]:
    """The first ``n`` counties taking one per city in turn, so a small region still spans the cities."""
    by_city: dict[str, list[tuple[str, str, float]]] = {}
    for county in COUNTIES:
        by_city.setdefault(county[0][:4], []).append(county)
    order: list[tuple[str, str, float]] = []
    depth = 0
    while len(order) < len(COUNTIES):
        order += [group[depth] for group in by_city.values() if depth < len(group)]
        depth += 1
    return sorted(order[:n])


def _schools_per_county(rng: random.Random, counties: list[tuple[str, str, float]], n: int) -> list[int]:
    base = min(2, n // len(counties))
    counts = [base] * len(counties)
    extra = n - base * len(counties)
    if extra:
        weights = [w for *_, w in counties]
        for index in rng.choices(range(len(counties)), weights=weights, k=extra):
            counts[index] += 1
    return counts


_School = tuple[tuple[str, str, float], str, str, str, int, float]


def _schools(rng: random.Random, counties: list[tuple[str, str, float]], per_county: list[int]) -> list[_School]:
    """(county, code, name, kind, online classrooms, relative size) for each school."""
    numbers: dict[tuple[str, str], int] = {}
    kinds = [k for k, _, _ in _SCHOOL_KINDS]
    shares = [s for _, s, _ in _SCHOOL_KINDS]
    relative = {k: r for k, _, r in _SCHOOL_KINDS}
    out: list[_School] = []
    for county, count in zip(counties, per_county):
        city_name = CITIES[county[0][:4] + "00"]
        for seq in range(1, count + 1):
            kind = rng.choices(kinds, weights=shares)[0]
            prefix = city_name if county[1].endswith("区") and rng.random() < 0.4 else county[1]
            number = numbers[prefix, kind] = numbers.get((prefix, kind), 0) + 1
            name = f"{prefix}第{chinese_number(number)}{kind}"
            classrooms = rng.choices(range(5), weights=_CLASSROOM_WEIGHTS)[0]
            out.append((county, f"{county[0]}{seq:03d}", name, kind, classrooms, relative[kind]))
    return out


def _sizes(rng: random.Random, relative: list[float], total: int) -> list[int]:
    """School sizes within [10, 80] (or the whole total when it is smaller) that add up to ``total``."""
    low, high = min(MIN_SCHOOL, total), MAX_SCHOOL
    mean = total / sum(relative)
    sizes = [min(high, max(low, round(mean * r * rng.lognormvariate(0, 0.35)))) for r in relative]
    order = list(range(len(sizes)))
    rng.shuffle(order)
    diff = total - sum(sizes)
    while diff:
        step = max(1, math.ceil(abs(diff) / len(sizes)))
        for i in order:
            if diff > 0:
                change = min(step, diff, high - sizes[i])
            else:
                change = -min(step, -diff, sizes[i] - low)
            sizes[i] += change
            diff -= change
            if not diff:
                break
    return sizes


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 105 -> 一百零五 (up to 9999)."""
    if not 0 < n < 10_000:
        raise ValueError("chinese_number takes 1..9999")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + _DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out
