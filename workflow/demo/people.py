"""Fictional people for the synthetic cohort: names, addresses, settings, officers.

Everything is invented and meant to look it. Surnames are whimsical compounds no
real family is likely to carry; every address is in one of a few made-up towns of
"Exampleshire", and every postcode is in the area ZZ99, which Royal Mail has never
issued (the NHS uses ZZ99 for "no fixed abode"), so a demo letter can never be
posted to a real home. E-mail addresses use example.org (RFC 2606).
"""

from __future__ import annotations

import random
from typing import Any

TEAMS = ("North", "South", "East", "West")
# Stable: the web app's demo users are made from these (one officer user per team,
# OFFICERS[team][0]).
OFFICERS: dict[str, tuple[str, ...]] = {
    "North": ("Asha Fernhollow", "Tomas Quillby", "Mina Starbrook", "Owen Lanternfield"),
    "South": ("Rhea Pebbleton", "Jonah Marrowgate", "Ines Thistlewood", "Callum Dewberry"),
    "East": ("Nadia Kettlewell", "Felix Honeycombe", "Zara Windrush-Vale", "Ravi Moonacre"),
    "West": ("Elin Saltmarsh", "Kofi Brambleworth", "Lena Copperkettle", "Arlo Puddifoot"),
}

POSTCODE_AREA = "ZZ99"  # never issued by Royal Mail: see the module docstring
TOWNS = ("Exampleton", "Fabledown", "Nowhere Magna", "Little Notting-on-Sea")
COUNTY = "Exampleshire"
STREETS = (
    "Bramble Lane", "Lantern Row", "Kettle Street", "Marigold Close", "Thimble Way",
    "Puddle Drive", "Quill Terrace", "Honeycomb Road", "Moonpenny Court", "Acorn Walk",
    "Wobbly Bridge Road", "Teacup Crescent",
)  # fmt: skip
FIRST_NAMES = (
    "Alfie", "Amara", "Arlo", "Bea", "Caleb", "Cleo", "Dev", "Elsie", "Ezra", "Freya",
    "Gus", "Hana", "Idris", "Isla", "Jude", "Kit", "Layla", "Milo", "Nell", "Oscar",
    "Pip", "Priya", "Rory", "Sana", "Theo", "Una", "Wren", "Yusuf", "Zola", "Noor",
)  # fmt: skip
ADULT_NAMES = (
    "Alex", "Bilal", "Carys", "Dana", "Emeka", "Fran", "Gemma", "Hamid", "Jo", "Kate",
    "Leon", "Maya", "Nik", "Olu", "Paula", "Sam", "Tess", "Vik",
)  # fmt: skip
SURNAMES = (
    "Applecrumb", "Bumbleford", "Cloudberry", "Dandelyon", "Elderwhisk", "Fiddlesworth",
    "Gingerbread", "Hobnobble", "Inkwhistle", "Jollyfeather", "Knapsackley", "Lollington",
    "Muddlecombe", "Nettlebun", "Oddsock", "Parsnipper", "Quibbleton", "Rumbletum",
    "Snickerdoodle", "Tumbleweed", "Umbrellow", "Wigglesworth", "Yarnbury", "Zigzagger",
)  # fmt: skip
SETTINGS = {
    "early_years": ("Acorn Sprouts Nursery", "Little Lanterns Pre-school"),
    "primary": ("Exampleton Primary School", "Fabledown Infant and Junior School"),
    "secondary": ("Nowhere Magna Academy", "Exampleshire High School"),
    "post16": ("Exampleshire College", "Fabledown Sixth Form"),
}


def _setting(rng: random.Random, age: int) -> str:
    phase = (
        "early_years"
        if age < 5
        else "primary"
        if age < 11
        else "secondary"
        if age < 16
        else "post16"
    )
    return rng.choice(SETTINGS[phase])


def postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"  # the inward code's letters, as Royal Mail writes them
    return f"{POSTCODE_AREA} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def address(rng: random.Random) -> str:
    """Three lines, one per line: number and street, town, postcode."""
    town = rng.choice(TOWNS)
    return f"{rng.randint(1, 120)} {rng.choice(STREETS)}\n{town}\n{COUNTY}\n{postcode(rng)}"


def people(rng: random.Random, age: int, *, young_person: bool) -> dict[str, Any]:
    """The people fields of one case (workflow.people.FIELDS), for a child of `age`;
    `young_person`: they are 16 or over by the cohort's end (their own details too)."""
    surname = rng.choice(SURNAMES)
    child = rng.choice(FIRST_NAMES)
    parent = rng.choice(ADULT_NAMES)
    home = address(rng)
    details: dict[str, Any] = {
        "child_name": f"{child} {surname}",
        "setting": _setting(rng, age),
        "parent_name": f"{parent} {surname}",
        "parent_address": home,
        "communication": "post",
    }
    if rng.random() < 0.3:
        details["communication"] = "email"
        details["parent_email"] = f"{parent.lower()}.{surname.lower()}@example.org"
    if young_person:  # letters go to the young person from the 31 August after they turn 16
        details["young_person_address"] = home
        if details["communication"] == "email":  # their letters go by email too
            details["young_person_email"] = f"{child.lower()}.{surname.lower()}@example.org"
        details["parent_copy"] = rng.random() < 0.5
    if rng.random() < 0.03:
        details["large_print"] = True
    return details
