#!/usr/bin/env python3
"""Writes croniter.json: fire times computed by croniter, an implementation independent of ours.

    python3 -m pip install croniter
    python3 Tests/CronTests/Fixtures/generate.py

CroniterFixtureTests.swift reads the JSON; the tests need neither croniter nor the network. The output is
deterministic (fixed seed) for a given croniter version and tzdata, both recorded in the file.

croniter runs with implement_cron_bug=True (Vixie's rule: a day field starting with `*` counts as
unrestricted) and second_at_beginning=True for six fields. Where croniter's semantics differ from ours on
purpose, the case is listed in EXCLUSIONS with our expected fire times and the reason; the Swift test
asserts our value and also that croniter still differs (so a stale exclusion fails). The differences:

  * A wall-clock slot in a fall-back overlap: croniter fires it in both passes, we fire the first only
    (also when the start lies inside the overlap, after the slot's first occurrence).
  * Minute or second `*` with a fixed hour (`*/15 2 * * *`) in a spring-forward gap: croniter fires once
    after the gap, we follow Vixie cron, which treats such jobs as wildcard jobs: they do not fire in the
    hour that does not exist.
  * A six-field slot in a gap (`30 30 2 * * *`): we fire at the first instant after the gap (03:00:00),
    croniter keeps the slot's seconds (03:00:30).
  * Australia/Lord_Howe's half-hour overlap: croniter misses the repeat of `*/20 * * * *` at 01:40.
  * `31W` in a month without a 31st: croniter uses the month's last day, we do not fire (like a plain 31).

Random cases keep to syntax both implementations read the same way; in zones with DST they are kept only
when no transition falls between the start and the last fire (DST is covered by the hand-written cases).
Expressions croniter spells differently are given to it translated (`5L` is its `L5`).
"""

import json
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

SEED = 20261129
FIRES = 5

# Hand-written cases: (expression, zone, start as local wall-clock time, number of fires).
# Transitions in 2026 (zdump -v): Berlin Mar 29 02:00→03:00, Oct 25 03:00→02:00; New York Mar 8 02:00→03:00,
# Nov 1 02:00→01:00; Lord Howe Apr 5 02:00→01:30, Oct 4 02:00→02:30; and three zones that change at midnight:
# Santiago Sep 6 00:00→01:00, Apr 4 24:00→23:00; Beirut Mar 29 00:00→01:00, Oct 24 24:00→23:00;
# Havana Mar 8 00:00→01:00, Nov 1 01:00→00:00.
DST_ZONES = {
    # zone: (spring start, an hour before the gap, gap hour, a minute in the gap,
    #        fall start, an hour before the overlap, overlap hour, a minute in the overlap)
    "Europe/Berlin": ("2026-03-28T21:00:00", "2026-03-29T01:10:00", 2, 30, "2026-10-24T21:00:00", "2026-10-25T01:10:00", 2, 30),
    "America/New_York": ("2026-03-07T21:00:00", "2026-03-08T01:10:00", 2, 30, "2026-10-31T21:00:00", "2026-11-01T00:10:00", 1, 30),
    "Australia/Lord_Howe": (
        "2026-10-03T21:00:00", "2026-10-04T01:10:00", 2, 15, "2026-04-04T21:00:00", "2026-04-05T00:40:00", 1, 45,
    ),
    "America/Santiago": ("2026-09-05T19:00:00", "2026-09-05T23:10:00", 0, 30, "2026-04-04T19:00:00", "2026-04-04T22:10:00", 23, 30),
    "Asia/Beirut": ("2026-03-28T19:00:00", "2026-03-28T23:10:00", 0, 30, "2026-10-24T19:00:00", "2026-10-24T22:10:00", 23, 30),
    "America/Havana": ("2026-03-07T19:00:00", "2026-03-07T23:10:00", 0, 30, "2026-10-31T19:00:00", "2026-10-31T23:10:00", 0, 30),
}


def hand_cases():
    cases = []
    utc_start = "2026-01-01T00:00:00"
    for expression in [
        "* * * * *", "*/15 * * * *", "0 * * * *", "30 2 * * *", "0 9 * * 1-5", "0 9 * * MON-FRI", "15 14 1 * *",
        "0 22 * * 1-5", "23 0-20/2 * * *", "5 4 * * sun", "0 0,12 1 */2 *", "0 4 8-14 * *", "0 0 1,15 * 3",
        "5 0 * 8 *", "0 0 * * 7", "0 0 * * 5-7", "0 0 13 * 5", "0 0 */2 * 1", "0 0 1-7 * */7", "0 0 * JAN-MAR MON",
        "0 12 * * 0-7", "5/15 * * * *", "0 0 1/10 * *", "0 0 * feb/3 *", "0 0 * * 1/3", "0 0 29 2 *", "0 0 29 2 1",
        "0 0 L * *", "0 0 L 2 *", "0 0 1,L * *", "0 0 L * 5", "0 0 15W * *", "0 0 1W * *", "0 0 31W * *",
        "0 0 * * 5L", "0 0 * * FRIL", "0 0 * * 1#2", "0 0 * * MON#1", "0 0 * * 0#5", "0 0 30 2 *",
        "0 0 31 4,6,9,11 *", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
        "30 0 0 * * *", "*/10 * * * * *", "0 */5 9 * * 1-5", "15,45 30 2 1 1 *",
    ]:
        cases.append((expression, "UTC", utc_start, FIRES))
    cases.append(("0 0 29 2 *", "UTC", "2096-03-01T00:00:00", 2))  # 2100 is not a leap year
    for expression in ["0 9 * * 1-5", "30 17 L * *", "0 0 * * 1#3", "*/20 * * * *"]:
        cases.append((expression, "Asia/Kathmandu", "2026-05-17T08:13:20", FIRES))
        cases.append((expression, "Asia/Kolkata", "2026-05-17T08:13:20", FIRES))
    for zone, (spring, before_gap, gap, gap_minute, fall, before_overlap, overlap, overlap_minute) in DST_ZONES.items():
        for expression in [
            f"{gap_minute} {gap} * * *", f"0 {gap} * * *", f"59 {gap} * * *", f"0 {gap},{gap + 1} * * *",
            f"*/15 {gap} * * *", f"{gap_minute} {gap} * * 0", f"0 {gap_minute} {gap} * * *", "0 * * * *", "@daily",
            "@hourly",
        ]:
            cases.append((expression, zone, spring, 8))
        for expression in ["0 * * * *", "30 * * * *", "*/15 * * * *", "*/20 * * * *", f"30 {gap_minute} {gap} * * *"]:
            cases.append((expression, zone, before_gap, 10))
        for expression in [
            f"{overlap_minute} {overlap} * * *", f"0 {overlap} * * *", f"59 {overlap} * * *", f"*/15 {overlap} * * *",
            f"0 {overlap_minute} {overlap} * * *", "0 * * * *", "@daily", "@hourly",
        ]:
            cases.append((expression, zone, fall, 10))
        for expression in ["0 * * * *", "30 * * * *", "*/15 * * * *", "*/20 * * * *", f"{overlap_minute} {overlap} * * *"]:
            cases.append((expression, zone, before_overlap, 10))
    # Starting inside an overlap: in the first pass after the slot, and in the second pass.
    cases.append(("30 2 * * *", "Europe/Berlin", "2026-10-25T02:40:00", 3))
    cases.append(("30 2 * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", 3))
    cases.append(("30 * * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", 3))
    cases.append(("15,45 0 * * *", "America/Havana", "2026-11-01T00:50:00", 3))
    return cases


# Where croniter differs on purpose (see the module docstring), keyed by (expression, zone, local start): the
# fires croniter gives that we do not ("drop") and those we give that it does not ("add"), each checked by hand
# against zdump's transitions above; or our whole expected list.
OVERLAP = "a wall-clock slot in a fall-back overlap fires at its first occurrence only; croniter fires it twice"
OVERLAP_STARTED = (
    "the slot already fired in the first pass of the overlap (before the start), so not again in the second;"
    " croniter fires it"
)
GAP_WILD = "minute `*` makes a wildcard job (Vixie): no fires in the skipped hour; croniter fires once after the gap"
GAP_SECONDS = "a slot in a gap fires at the first instant after it (hh:mm:00); croniter keeps the slot's seconds"
LORD_HOWE = "an elapsed-time job fires again in the repeated half hour (01:40 twice); croniter misses the repeat"
W31 = "31W does not fire in months without a 31st (like a plain 31); croniter uses the month's last day"
EXCLUSIONS = {}


def exclude(expression, zone, start, reason, drop=(), add=(), expected=None):
    EXCLUSIONS[(expression, zone, start)] = (reason, list(drop), list(add), expected)


def load_exclusions():
    # The second pass of each overlap: Berlin 02:xx+01:00, New York 01:xx-05:00, Lord Howe 01:3x-01:5x+10:30,
    # Santiago 23:xx-04:00 (Saturday), Beirut 23:xx+02:00 (Saturday), Havana 00:xx-05:00.
    second_pass = {
        "Europe/Berlin": "2026-10-25T02:{:02d}:00+01:00",
        "America/New_York": "2026-11-01T01:{:02d}:00-05:00",
        "Australia/Lord_Howe": "2026-04-05T01:{:02d}:00+10:30",
        "America/Santiago": "2026-04-04T23:{:02d}:00-04:00",
        "Asia/Beirut": "2026-10-24T23:{:02d}:00+02:00",
        "America/Havana": "2026-11-01T00:{:02d}:00-05:00",
    }
    # The first instant after each gap.
    after_gap = {
        "Europe/Berlin": "2026-03-29T03:00:{:02d}+02:00",
        "America/New_York": "2026-03-08T03:00:{:02d}-04:00",
        "Australia/Lord_Howe": "2026-10-04T02:30:{:02d}+11:00",
        "America/Santiago": "2026-09-06T01:00:{:02d}-03:00",
        "Asia/Beirut": "2026-03-29T01:00:{:02d}+03:00",
        "America/Havana": "2026-03-08T01:00:{:02d}-04:00",
    }
    for zone, (spring, before_gap, gap, gap_minute, fall, before_overlap, hour, minute) in DST_ZONES.items():
        slots = [(f"{minute} {hour} * * *", minute), (f"59 {hour} * * *", 59), (f"0 {minute} {hour} * * *", minute)]
        if zone != "Australia/Lord_Howe":  # there only 01:30-01:59 repeats, so hh:00 is not in the overlap
            slots.append((f"0 {hour} * * *", 0))
        if hour == 0:
            slots.append(("@daily", 0))
        for expression, slot_minute in slots:
            exclude(expression, zone, fall, OVERLAP, drop=[second_pass[zone].format(slot_minute)])
        exclude(f"{minute} {hour} * * *", zone, before_overlap, OVERLAP, drop=[second_pass[zone].format(minute)])
        exclude(f"30 {gap_minute} {gap} * * *", zone, before_gap, GAP_SECONDS,
                drop=[after_gap[zone].format(30)], add=[after_gap[zone].format(0)])
        if zone != "Australia/Lord_Howe":  # there the gap is 02:00-02:29 and */15 fires at 02:30 and 02:45
            exclude(f"*/15 {gap} * * *", zone, spring, GAP_WILD, drop=[after_gap[zone].format(0)])
    exclude("*/20 * * * *", "Australia/Lord_Howe", DST_ZONES["Australia/Lord_Howe"][5], LORD_HOWE,
            add=["2026-04-05T01:40:00+10:30"])
    exclude("30 2 * * *", "Europe/Berlin", "2026-10-25T02:40:00", OVERLAP_STARTED, drop=["2026-10-25T02:30:00+01:00"])
    exclude("30 2 * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", OVERLAP_STARTED,
            drop=["2026-10-25T02:30:00+01:00"])
    exclude("15,45 0 * * *", "America/Havana", "2026-11-01T00:50:00", OVERLAP_STARTED,
            drop=["2026-11-01T00:15:00-05:00", "2026-11-01T00:45:00-05:00"])
    exclude("0 0 31W * *", "UTC", "2026-01-01T00:00:00", W31, expected=[
        "2026-01-30T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-05-29T00:00:00+00:00",
        "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00",
    ])


def croniter_expression(expression):
    """Our syntax in croniter's spelling: `5L` and `FRIL` (last Friday) are croniter's `L5`."""
    fields = expression.split()
    if len(fields) >= 5:
        last = re.fullmatch(r"([0-7]|[A-Za-z]{3})L", fields[-1])
        if last:
            day = last.group(1)
            fields[-1] = "L" + (day if day.isdigit() else str(DAYS.index(day.upper())))
    return " ".join(fields)


def run_croniter(expression, zone, start, count):
    # In the zone itself, not at a fixed offset: croniter follows the tzinfo it is given.
    start_time = datetime.fromisoformat(start).astimezone(ZoneInfo(zone))
    iterator = croniter(
        croniter_expression(expression), start_time, ret_type=datetime, implement_cron_bug=True,
        second_at_beginning=len(expression.split()) == 6,
    )
    fires = []
    try:
        for _ in range(count):
            fires.append(iterator.get_next().astimezone(ZoneInfo(zone)).isoformat())
    except CroniterBadDateError:
        return fires, True
    return fires, False


# MARK: random cases

RANGES = {"second": (0, 59), "minute": (0, 59), "hour": (0, 23), "dom": (1, 31), "month": (1, 12), "dow": (0, 6)}
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def value_text(rng, kind, value, seven=True):
    if kind == "month" and rng.random() < 0.3:
        return rng.choice([MONTHS[value - 1], MONTHS[value - 1].lower(), MONTHS[value - 1].title()])
    if kind == "dow" and rng.random() < 0.3:
        return rng.choice([DAYS[value], DAYS[value].lower()])
    if kind == "dow" and value == 0 and seven and rng.random() < 0.3:  # 7 is Sunday too, but not as a range start
        return "7"
    return str(value)


def random_item(rng, kind):
    low, high = RANGES[kind]
    shape = rng.choice(["value", "value", "range", "range_step", "start_step"])
    a = rng.randint(low, high - 1)
    if shape == "value":
        return value_text(rng, kind, rng.randint(low, high))
    step = rng.randint(2, max(2, (high - low) // 3))
    if shape == "start_step":
        return f"{value_text(rng, kind, a, seven=False)}/{step}"
    b = rng.randint(a + 1, high)  # never an equal range: croniter reads JAN-JAN as the whole year
    text = f"{value_text(rng, kind, a, seven=False)}-{value_text(rng, kind, b)}"
    return text + (f"/{step}" if shape == "range_step" else "")


def random_field(rng, kind):
    low, high = RANGES[kind]
    roll = rng.random()
    if roll < 0.3:
        return "*"
    if roll < 0.45:
        return f"*/{rng.randint(2, max(2, (high - low + 1) // 2))}"
    items = [random_item(rng, kind) for _ in range(rng.choice([1, 1, 2, 3]))]
    return ",".join(items)


def random_expression(rng):
    fields = [random_field(rng, kind) for kind in ["minute", "hour", "dom", "month", "dow"]]
    special = rng.random()
    if special < 0.08:
        fields[2] = rng.choice(["L", "1,L", "L,15"])
    elif special < 0.14:
        fields[2], fields[4] = f"{rng.randint(1, 28)}W", "*"  # croniter reads W only alone, with no weekday
    elif special < 0.2:
        fields[2], fields[4] = "*", f"{rng.randint(0, 6)}#{rng.randint(1, 4)}"
    elif special < 0.26:
        fields[2], fields[4] = "*", f"{value_text(rng, 'dow', rng.randint(0, 6))}L"
    if rng.random() < 0.15:
        fields.insert(0, random_field(rng, "second"))
    return " ".join(fields)


def transition_free(zone, start, fires):
    """Whether the offset stays the same from start through the last fire (checked at least every 30 days)."""
    tz = ZoneInfo(zone)
    points = [datetime.fromisoformat(start)] + [datetime.fromisoformat(fire) for fire in fires]
    offsets = set()
    for earlier, later in zip(points, points[1:]):
        moment = earlier
        while moment < later:
            offsets.add(moment.astimezone(tz).utcoffset())
            moment += timedelta(days=30)
    offsets.add(points[-1].astimezone(tz).utcoffset())
    return len(offsets) == 1


def random_cases(rng, count):
    zones = ["UTC"] * 5 + ["Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
    cases = []
    while len(cases) < count:
        expression = random_expression(rng)
        zone = rng.choice(zones)
        instant = datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 40 * 365 * 86_400))
        start = instant.astimezone(ZoneInfo(zone)).isoformat()
        fires, exhausted = run_croniter(expression, zone, start, FIRES)
        if exhausted or not fires:
            continue  # never-firing expressions are hand-written cases
        if rng.random() < 0.25:
            start = fires[0]  # start exactly on a fire time: the next one must come after it
            fires, exhausted = run_croniter(expression, zone, start, FIRES)
            if exhausted:
                continue
        if zone not in ("UTC", "Asia/Kolkata", "Asia/Kathmandu") and not transition_free(zone, start, fires):
            continue
        cases.append({"expression": expression, "time_zone": zone, "start": start, "croniter": fires})
    return cases


def main():
    load_exclusions()
    output = []
    used = set()
    for expression, zone, local_start, count in hand_cases():
        moment = datetime.fromisoformat(local_start)
        if moment.tzinfo is None:  # a wall-clock time; in an overlap, its first occurrence (fold=0)
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        start = moment.astimezone(ZoneInfo(zone)).isoformat()
        fires, exhausted = run_croniter(expression, zone, start, count)
        case = {"expression": expression, "time_zone": zone, "start": start, "croniter": fires}
        if exhausted:
            case["exhausted"] = True  # croniter found no further fire time: we must not either
        key = (expression, zone, local_start)
        if key in EXCLUSIONS:
            reason, drop, add, expected = EXCLUSIONS[key]
            if expected is None:
                if not set(drop) <= set(fires) or set(add) & set(fires):
                    sys.exit(f"exclusion drops fires croniter does not give, or adds ones it gives: {key}")
                kept = [fire for fire in fires if fire not in drop] + add
                expected = sorted(kept, key=datetime.fromisoformat)
            if expected == fires:
                sys.exit(f"stale exclusion, croniter agrees: {key}")
            case["nomaly"], case["reason"] = expected, reason
            used.add(key)
        output.append(case)
    if set(EXCLUSIONS) - used:
        sys.exit(f"exclusions without a case: {set(EXCLUSIONS) - used}")
    output += random_cases(random.Random(SEED), 400)
    for case in output:
        translated = croniter_expression(case["expression"])
        if translated != case["expression"]:
            case["croniter_expression"] = translated
    tzdata = Path("/usr/share/zoneinfo/tzdata.zi")
    document = {
        "generator": "Tests/CronTests/Fixtures/generate.py",
        "croniter": version("croniter"),
        "tzdata": tzdata.read_text().splitlines()[0].removeprefix("# version ") if tzdata.exists() else "unknown",
        "options": "implement_cron_bug=True, day_or=True, second_at_beginning=True for 6 fields",
        "cases": output,
    }
    path = Path(__file__).with_name("croniter.json")
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(output)} cases ({len(EXCLUSIONS)} exclusions) to {path}")


if __name__ == "__main__":
    main()
