"""Weekly use of the project classrooms (项目教室) that schools report, and the figures a bureau should doubt.

Pure: plain values in, plain values out. A week is named by its Monday (weeks run Monday to Sunday, local time);
a week belongs to the month of its Monday.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from jifen.domain.periods import outside_years
from jifen.domain.scores import figure_half_up
from jifen.errors import InvalidInput


@dataclass(frozen=True)
class RoomType:
    code: str
    name: str


ROOM_TYPES: tuple[RoomType, ...] = (
    RoomType("online_interactive", "在线互动教室"),
    RoomType("tablet", "平板智慧教室"),
    RoomType("vr", "VR教室"),
    RoomType("reading", "智慧阅读教室"),
    RoomType("maker_robot", "创客机器人教室"),
    RoomType("calligraphy", "智慧书法教室"),
    RoomType("music", "智慧音乐教室"),
    RoomType("pen_paper", "纸笔课堂"),
)
ROOM_TYPE_CODES: tuple[str, ...] = tuple(t.code for t in ROOM_TYPES)
ROOM_TYPE_NAMES: dict[str, str] = {t.code: t.name for t in ROOM_TYPES}

MAX_ROOMS = 1000  # no school has more rooms of one kind; a bigger figure is a typing slip
MAX_USES = 100_000
# a room used every period of every day of the week: 7 days of 14 periods (morning, afternoon, evening study)
MAX_USES_PER_ROOM = 98

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Thresholds:
    """When figures are flagged; every value is a setting (jifen.config)."""

    repeat_weeks: int = 3  # the same figures for this many consecutive weeks
    zero_weeks: int = 2  # a room type with rooms at zero uses for this many consecutive weeks
    standards: Mapping[str, float] = field(default_factory=lambda: {"online_interactive": 5.0})  # uses/room/week


@dataclass(frozen=True)
class Figure:
    """One school's report of one room type for one week."""

    school_code: str
    week: date
    room_type: str
    rooms: int
    uses: int


@dataclass(frozen=True)
class Flag:
    school_code: str
    room_type: str | None  # None: the school's figures as a whole
    kind: str  # repeated, zero or below_standard
    weeks: int
    rooms: int = 0
    rate: float | None = None
    standard: float | None = None


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_start(day: date, *, field_name: str = "week") -> date:
    """``day`` itself when it is a Monday within the years taken; otherwise an error naming the Monday of its week,
    or the years."""
    if problem := outside_years(day.year):
        raise InvalidInput(f"{field_name}: {day.isoformat()} {problem}",
                           details=[{"path": field_name, "message": f"{day.isoformat()} {problem}"}])
    if day.weekday() != 0:
        raise InvalidInput(f"{field_name}: {day.isoformat()} is a {WEEKDAYS[day.weekday()]}; weeks start on "
                           f"Monday: {monday_of(day).isoformat()}",
                           details=[{"path": field_name, "message": f"{day.isoformat()} is not a Monday"}])
    return day


def weeks_of_month(year: int, month: int) -> list[date]:
    """The Mondays that fall in the month: its weeks."""
    first = date(year, month, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    weeks = []
    while monday.month == month:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def figure_problem(room_type: str, rooms: object, uses: object) -> tuple[str, str] | None:
    """What is wrong with one room type's figures, as (field, message); None when they can be stored."""
    if room_type not in ROOM_TYPE_NAMES:
        return ("room_type", f"{room_type!r} is not a room type; room types: {', '.join(ROOM_TYPE_CODES)}")
    for name, value, limit in (("rooms", rooms, MAX_ROOMS), ("uses", uses, MAX_USES)):
        if isinstance(value, bool) or not isinstance(value, int):
            return (name, f"{value!r} is not a whole number")
        if not 0 <= value <= limit:
            return (name, f"{value} is not between 0 and {limit}")
    problem = uses_problem(rooms, uses)
    return ("uses", problem) if problem else None


def uses_problem(rooms: int, uses: int) -> str | None:
    """Uses that the rooms cannot have had in a week (a typing slip, an extra zero), or None."""
    if rooms == 0 and uses != 0:
        return f"{uses} uses with no rooms: give the number of rooms"
    if uses > rooms * MAX_USES_PER_ROOM:
        return (f"{uses} uses in {rooms} rooms is more than {MAX_USES_PER_ROOM} a room a week (every period of "
                "every day): check the figure")
    return None


def per_room(uses: float, rooms: float) -> float | None:
    """Uses per room; no rate without rooms."""
    return figure_half_up(uses / rooms) if rooms else None


def _consecutive_runs(weeks: Sequence[date]) -> list[list[date]]:
    runs: list[list[date]] = []
    for week in sorted(weeks):
        if runs and week - runs[-1][-1] == timedelta(days=7):
            runs[-1].append(week)
        else:
            runs.append([week])
    return runs


def _by_school(figures: Iterable[Figure]) -> dict[str, dict[date, dict[str, Figure]]]:
    grouped: dict[str, dict[date, dict[str, Figure]]] = {}
    for f in figures:
        grouped.setdefault(f.school_code, {}).setdefault(f.week, {})[f.room_type] = f
    return grouped


def repeated_flags(figures: Iterable[Figure], within: Sequence[date], weeks: int) -> list[Flag]:
    """Schools whose figures (rooms and uses of every type) stayed the same for ``weeks`` consecutive weeks or
    more, in a run that reaches one of the weeks ``within``. Figures with no use at all are left to the zero flag."""
    wanted = set(within)
    flags = []
    for school, by_week in sorted(_by_school(figures).items()):
        signature = {week: tuple(sorted((t, f.rooms, f.uses) for t, f in kinds.items() if f.rooms or f.uses))
                     for week, kinds in by_week.items()}
        best = 0
        for run in _consecutive_runs(list(signature)):
            length = 0
            for previous, week in zip([None, *run], run, strict=False):
                same = previous is not None and signature[week] == signature[previous]
                length = length + 1 if same else 1
                if week in wanted and length >= weeks and any(u for _, _, u in signature[week]):
                    best = max(best, length)
        if best:
            flags.append(Flag(school, None, "repeated", best))
    return flags


def zero_flags(figures: Iterable[Figure], within: Sequence[date], weeks: int) -> list[Flag]:
    """Room types a school has (rooms > 0) that were not used for ``weeks`` consecutive weeks or more, in a run
    that reaches one of the weeks ``within``."""
    wanted = set(within)
    idle: dict[tuple[str, str], dict[date, int]] = {}
    for f in figures:
        if f.rooms > 0 and f.uses == 0:
            idle.setdefault((f.school_code, f.room_type), {})[f.week] = f.rooms
    flags = []
    for (school, room_type), by_week in idle.items():
        longest, rooms = 0, 0
        for run in _consecutive_runs(list(by_week)):
            if len(run) >= weeks and wanted & set(run):
                reached = [w for w in run if w <= max(wanted & set(run))]
                if len(reached) >= weeks and len(reached) > longest:
                    longest, rooms = len(reached), by_week[reached[-1]]
        if longest:
            flags.append(Flag(school, room_type, "zero", longest, rooms=rooms))
    return sorted(flags, key=lambda f: (f.school_code, ROOM_TYPE_CODES.index(f.room_type or "")))


@dataclass(frozen=True)
class Average:
    """One school's use of one room type over some weeks."""

    school_code: str
    room_type: str
    weeks: int
    rooms: float  # per week
    uses: float  # per week
    per_room_per_week: float | None


def averages(figures: Iterable[Figure], weeks: Sequence[date]) -> list[Average]:
    """Per school and room type with rooms, over the ``weeks`` it reported: rooms and uses per week, and uses per
    room per week (total uses over total room-weeks)."""
    wanted = set(weeks)
    sums: dict[tuple[str, str], list[int]] = {}
    for f in figures:
        if f.week in wanted:
            entry = sums.setdefault((f.school_code, f.room_type), [0, 0, 0])
            entry[0] += 1
            entry[1] += f.rooms
            entry[2] += f.uses
    result = []
    for (school, room_type), (count, rooms, uses) in sums.items():
        if rooms:
            result.append(Average(school, room_type, count, _tidy(rooms / count), _tidy(uses / count),
                                  per_room(uses, rooms)))
    order = {code: i for i, code in enumerate(ROOM_TYPE_CODES)}
    return sorted(result, key=lambda a: (order.get(a.room_type, len(order)), -(a.per_room_per_week or 0),
                                         a.school_code))


def below_standard_flags(rows: Iterable[Average], standards: Mapping[str, float]) -> list[Flag]:
    """Schools whose uses per room per week of a room type with a standard fall below it."""
    flags = []
    for a in rows:
        standard = standards.get(a.room_type)
        if standard is not None and a.per_room_per_week is not None and a.per_room_per_week < standard:
            flags.append(Flag(a.school_code, a.room_type, "below_standard", a.weeks, rooms=round(a.rooms),
                              rate=a.per_room_per_week, standard=standard))
    return flags


def flag_message(flag: Flag, school_name: str) -> str:
    """The flag as a sentence of the bulletin."""
    type_name = ROOM_TYPE_NAMES.get(flag.room_type or "", "")
    if flag.kind == "repeated":
        return f"{school_name}连续{flag.weeks}周报送的项目教室数据重复不变，真假难辨，请核实。"
    if flag.kind == "zero":
        return f"{school_name}{type_name}（{flag.rooms}间）连续{flag.weeks}周使用次数为0。"
    return (f"{school_name}{type_name}每室周均使用{_number(flag.rate)}次，低于每周{_number(flag.standard)}次的"
            f"标准。")


def _tidy(value: float) -> float:
    return figure_half_up(value)


def _number(value: float | None) -> str:
    if value is None:
        return "0"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
