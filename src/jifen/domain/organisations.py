"""The roster: region -> city -> county -> school -> teacher."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    code: str
    name: str


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city_code: str


@dataclass(frozen=True)
class School:
    code: str
    name: str
    county_code: str
    online_classrooms: int


@dataclass(frozen=True)
class Teacher:
    id: str
    name: str
    subject: str
    school_code: str


@dataclass(frozen=True)
class RosterRow:
    """One line of a roster file: a teacher with the school, county and city they belong to."""

    city_code: str
    city_name: str
    county_code: str
    county_name: str
    school_code: str
    school_name: str
    online_classrooms: int
    teacher_id: str
    teacher_name: str
    subject: str


@dataclass(frozen=True)
class Roster:
    """The roster as it stands: active schools and teachers with the counties and cities above them."""

    cities: dict[str, City]
    counties: dict[str, County]
    schools: dict[str, School]
    teachers: dict[str, Teacher]
