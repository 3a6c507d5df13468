"""Builds the demo estate: demo.yaml and consumptions.csv next to this script.

    python scenarios/demo/make_demo.py [--out DIR]

Fabrikam: about 950 staff in the UK, the US and a Berlin office, and two data centres.
Everything is drawn from `random.Random(SEED)`, so re-running rewrites the same bytes.

The estate: an Office 2016/2019/2021 version chain with downgrade rights (R31-R36);
per-user Visio, Project and Photoshop (A18: one row per device with `user`, some users have
a laptop and a desktop); core-metric SQL Server (CORE4 and processor licences, A19) and
Windows Server Datacenter (CORE8); Acrobat with an unlimited US site licence; AutoCAD and
Photoshop with allocation rules (R16); a free product (R9); 3-level location, department
and cost-centre trees; licences scoped by location, department, cost centre and custodian;
three licences not in service; pins; contracts; unit prices; what-if variants.

Capacity is close to demand per product (RHO). Department-matched but location-unscoped
pools (Office for Engineering and Sales, Visio for Engineering, ...) attract UK and US
staff in the greedy engine although they have regional pools; Berlin staff have no
regional pool and are left in deficit. The optimiser recovers that avoidable deficit.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
from pathlib import Path

SEED = 20240601
HERE = Path(__file__).resolve().parent
N_USERS = 950

ORG = {
    "locations": {
        "UK": None, "London": "UK", "London Floor 1": "London", "London Floor 2": "London",
        "London DC": "London", "Manchester": "UK",
        "US": None, "New York": "US", "New York Floor 20": "New York",
        "New York Floor 21": "New York", "New York DC": "New York", "Austin": "US",
        "DE": None, "Berlin": "DE",
    },
    "departments": {
        "Corporate": None, "Engineering": "Corporate", "Platform": "Engineering",
        "Data Science": "Engineering", "Marketing": "Corporate", "Digital": "Marketing",
        "Brand": "Marketing", "Sales": "Corporate", "Sales EMEA": "Sales",
        "Sales Americas": "Sales", "Finance": "Corporate", "HR": "Corporate",
        "IT": "Corporate", "IT Operations": "IT",
    },
    "cost_centres": {
        "CC100": None, "CC110": "CC100", "CC120": "CC100", "CC130": "CC100",
        "CC200": None, "CC210": "CC200", "CC220": "CC200",
        "CC300": None, "CC310": "CC300", "CC320": "CC300", "CC330": "CC300",
    },
}  # fmt: skip
SITES = {  # desk locations and their share of staff
    "London Floor 1": 0.19, "London Floor 2": 0.17, "Manchester": 0.12,
    "New York Floor 20": 0.15, "New York Floor 21": 0.12, "Austin": 0.12, "Berlin": 0.13,
}  # fmt: skip
TEAMS = {  # department -> (cost centre, share of staff)
    "Platform": ("CC210", 0.18), "Data Science": ("CC220", 0.08), "Engineering": ("CC200", 0.02),
    "Digital": ("CC330", 0.08), "Brand": ("CC330", 0.05), "Marketing": ("CC330", 0.01),
    "Sales EMEA": ("CC310", 0.14), "Sales Americas": ("CC320", 0.12),
    "Finance": ("CC110", 0.08), "HR": ("CC120", 0.05), "IT Operations": ("CC130", 0.07),
    "Corporate": ("CC100", 0.02),
}  # fmt: skip
FIRST = """alex ana ben carla chen dana eli emma fatima george hana ivan jade james kofi lena
    liam maria marco mei nia noah omar olga priya quinn rosa sam sara tariq uma victor
    wen yusuf zoe aiko bruno chloe diego elena farah hugo ines jon kai"""
LAST = """adams baker costa diaz evans fischer garcia hughes ito jones khan lopez meyer novak
    okafor patel quinn rossi singh taylor ueda vargas walsh young zhang"""

PRODUCTS = [
    {"id": "office-2016", "vendor": "Microsoft", "name": "Office Professional Plus 2016",
     "family": "office", "version": "2016", "unit_price": 220.0},
    {"id": "office-2019", "vendor": "Microsoft", "name": "Office Professional Plus 2019",
     "family": "office", "version": "2019", "downgrade": "one", "unit_price": 280.0},
    {"id": "office-2021", "vendor": "Microsoft", "name": "Office LTSC Professional Plus 2021",
     "family": "office", "version": "2021", "downgrade": "any", "unit_price": 340.0},
    {"id": "visio", "vendor": "Microsoft", "name": "Visio Plan 2", "metric": "user",
     "unit_price": 180.0},
    {"id": "project", "vendor": "Microsoft", "name": "Project Professional", "metric": "user",
     "unit_price": 300.0},
    {"id": "sql-server", "vendor": "Microsoft", "name": "SQL Server Enterprise",
     "metric": "core", "unit_price": 3586.0},
    {"id": "windows-server-dc", "vendor": "Microsoft", "name": "Windows Server Datacenter",
     "metric": "core", "unit_price": 385.0},
    {"id": "acrobat", "vendor": "Adobe", "name": "Acrobat Pro", "unit_price": 190.0},
    {"id": "photoshop", "vendor": "Adobe", "name": "Photoshop", "metric": "user",
     "allocation_rule": ["department"], "unit_price": 264.0},
    {"id": "autocad", "vendor": "Autodesk", "name": "AutoCAD",
     "allocation_rule": ["cost_centre"], "unit_price": 1900.0},
    {"id": "7-zip", "vendor": "Igor Pavlov", "name": "7-Zip", "free": True},
]  # fmt: skip
CONTRACTS = [
    {"id": "C-MS-EA-2022", "name": "Microsoft Enterprise Agreement 2022", "vendor": "Microsoft"},
    {"id": "C-MS-SELECT-2019", "name": "Microsoft Select Plus 2019", "vendor": "Microsoft"},
    {"id": "C-ADOBE-VIP-2023", "name": "Adobe VIP 2023", "vendor": "Adobe"},
    {"id": "C-AUTODESK-2022", "name": "Autodesk Subscription 2022", "vendor": "Autodesk"},
]
# id | product | type | seats | other fields. Seats: a share of rho x demand (devices,
# users or cores of the product; rounded to 5 from 20 up), "=n" fixed, or "unlimited".
# "@ceo" and "@projectN" are filled in with drawn user ids.
LICENCES = """
L-O21-UK      | office-2021       | device    | 0.40 | location=UK; downgrade=any; contract=C-MS-EA-2022
L-O21-US      | office-2021       | device    | 0.31 | location=US; downgrade=any; contract=C-MS-EA-2022
L-O21-ENG     | office-2021       | device    | 0.13 | department=Engineering; cost_centre=CC200; downgrade=any; contract=C-MS-EA-2022
L-O21-SALES   | office-2021       | device    | 0.10 | department=Sales; contract=C-MS-EA-2022
L-O21-LON2    | office-2021       | device    | 0.06 | location=London Floor 2; department=Digital
L-O21-EXEC    | office-2021       | device    | =3   | custodian=@ceo; contract=C-MS-EA-2022
L-O21-2020    | office-2021       | device    | =60  | status=expired; contract=C-MS-SELECT-2019
L-O19-UK      | office-2019       | device    | 0.45 | location=UK; contract=C-MS-SELECT-2019
L-O19-US      | office-2019       | device    | 0.35 | location=US; contract=C-MS-SELECT-2019
L-O19-FIN     | office-2019       | device    | 0.12 | department=Finance; downgrade=none; contract=C-MS-SELECT-2019
L-O19-MAN     | office-2019       | device    | 0.08 | location=Manchester; cost_centre=CC310; contract=C-MS-SELECT-2019
L-O16-UK      | office-2016       | device    | 0.50 | location=UK
L-O16-IT      | office-2016       | device    | 0.50 | department=IT
L-O16-US      | office-2016       | device    | =40  | location=US; status=out_of_service
L-VIS-POOL    | visio             | USER      | 0.30 | contract=C-MS-EA-2022
L-VIS-UK      | visio             | USER      | 0.30 | location=UK; contract=C-MS-EA-2022
L-VIS-US      | visio             | USER      | 0.20 | location=US; contract=C-MS-EA-2022
L-VIS-ENG     | visio             | NAMEDUSER | 0.20 | department=Engineering; contract=C-MS-EA-2022
L-PRJ-POOL    | project           | NAMEDUSER | 0.55 | contract=C-MS-EA-2022
L-PRJ-PMO     | project           | NAMEDUSER | 0.40 | location=UK; department=Finance; contract=C-MS-EA-2022
L-PRJ-NAMED-1 | project           | NAMEDUSER | =1   | custodian=@project0
L-PRJ-NAMED-2 | project           | NAMEDUSER | =1   | custodian=@project1
L-PRJ-NAMED-3 | project           | NAMEDUSER | =1   | custodian=@project2
L-SQL-C4-LON  | sql-server        | CORE4     | 0.45 | location=London DC; contract=C-MS-EA-2022
L-SQL-C4-NY   | sql-server        | CORE4     | 0.35 | location=New York DC; contract=C-MS-EA-2022
L-SQL-PROC    | sql-server        | PROCESSOR | =6   | department=Data Science; contract=C-MS-SELECT-2019
L-SQL-C4-2016 | sql-server        | CORE4     | =32  | status=upgraded; contract=C-MS-SELECT-2019
L-WS-C8-LON   | windows-server-dc | CORE8     | 0.45 | location=London DC; contract=C-MS-EA-2022
L-WS-C8-NY    | windows-server-dc | CORE8     | 0.40 | location=New York DC; contract=C-MS-EA-2022
L-WS-C8-IT    | windows-server-dc | CORE8     | 0.15 | department=IT; contract=C-MS-EA-2022
L-ACR-US-SITE | acrobat           | device    | unlimited | location=US; contract=C-ADOBE-VIP-2023
L-ACR-UK      | acrobat           | device    | 0.45 | location=UK; contract=C-ADOBE-VIP-2023
L-ACR-MKT     | acrobat           | device    | 0.25 | department=Marketing; contract=C-ADOBE-VIP-2023
L-ACR-FIN     | acrobat           | device    | 0.12 | location=UK; department=Finance; contract=C-ADOBE-VIP-2023
L-ACR-DE      | acrobat           | device    | 0.08 | location=Berlin; contract=C-ADOBE-VIP-2023
L-PS-DIGITAL  | photoshop         | NAMEDUSER | 0.45 | department=Digital; contract=C-ADOBE-VIP-2023
L-PS-BRAND    | photoshop         | NAMEDUSER | 0.30 | department=Brand; contract=C-ADOBE-VIP-2023
L-PS-TEAM     | photoshop         | NAMEDUSER | 0.25 | location=UK; contract=C-ADOBE-VIP-2023
L-CAD-210     | autocad           | device    | 0.50 | cost_centre=CC210; contract=C-AUTODESK-2022
L-CAD-220     | autocad           | device    | 0.30 | cost_centre=CC220; contract=C-AUTODESK-2022
L-CAD-FLEX    | autocad           | device    | 0.20 | location=US; contract=C-AUTODESK-2022
"""  # noqa: E501
RHO = {  # capacity / demand per product (the Office chain shares downgrade headroom)
    "office-2021": 1.10, "office-2019": 0.95, "office-2016": 0.70, "visio": 0.95,
    "project": 0.95, "sql-server": 0.95, "windows-server-dc": 1.0, "acrobat": 1.0,
    "photoshop": 0.95, "autocad": 1.0,
}  # fmt: skip
VARIANTS = """\
variants:
  - name: buy-60-office-2021
    changes:
      - op: add_licence
        licence: {id: L-O21-TRUEUP, product: office-2021, type: device, seats: 60, downgrade: any}
  - name: retire-office-2019-finance
    changes:
      - {op: remove_licence, id: L-O19-FIN}
  - name: downgrades-off
    changes:
      - {op: set_setting, field: downgrades_allowed, value: false}
  - name: close-berlin
    changes:
      - {op: remove_consumptions, where: {location: Berlin}}
"""
CSV_COLUMNS = (
    "id", "product", "asset", "user", "location", "department", "cost_centre",
    "custodian", "cores", "processors", "virtual",
)  # fmt: skip
Row = dict[str, object]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _people(rng: random.Random) -> list[dict[str, str]]:
    everyone = [f"{first}.{last}" for first in FIRST.split() for last in LAST.split()]
    names = rng.sample(everyone, N_USERS)
    people = []
    for name in names:
        site = _pick(rng, SITES)
        other_sales = "Sales EMEA" if site.startswith(("New York", "Austin")) else "Sales Americas"
        team = _pick(rng, {t: share for t, (_, share) in TEAMS.items() if t != other_sales})
        people.append(
            {"user": name, "location": site, "department": team, "cost_centre": TEAMS[team][0]}
        )
    return people


def _chance(rng: random.Random, dept: str, teams: tuple[str, ...], hi: float, lo: float) -> bool:
    return rng.random() < (hi if dept in teams else lo)


def _desk_rows(rng: random.Random, people: list[dict[str, str]]) -> list[Row]:
    """Laptops for everyone, desktops for some; device products per device, user products
    on every device of the user (A18 merges them)."""
    rows: list[Row] = []
    engineers = ("Platform", "Data Science", "Engineering")
    for n, person in enumerate(people, start=1):
        devices = [f"LT-{n:04d}"] + ([f"DT-{n:04d}"] if rng.random() < 0.18 else [])
        dept, old_site = person["department"], person["location"] in ("Manchester", "Austin")
        per_user = [
            product
            for product, teams, hi, lo in (
                ("visio", (*engineers, "IT Operations"), 0.30, 0.06),
                ("project", ("Finance", "IT Operations", "Corporate"), 0.30, 0.08),
                ("photoshop", ("Digital", "Brand", "Marketing"), 0.75, 0.01),
            )
            if _chance(rng, dept, teams, hi, lo)
        ]
        for asset in devices:
            new, old = (0.3, 0.3) if old_site else (0.5, 0.1)
            office = _pick(rng, {"2021": new, "2019": 0.4, "2016": old})
            products = [f"office-{office}"]
            products += ["acrobat"] * _chance(rng, dept, ("Digital", "Brand", "Finance"), 0.7, 0.3)
            products += ["autocad"] * _chance(rng, dept, engineers, 0.25, 0.0)
            products += ["7-zip"] * (rng.random() < 0.3)
            base: Row = {"asset": asset, **person, "custodian": person["user"]}
            rows += [{"id": f"{asset}/{p}", "product": p, **base, "user": None} for p in products]
            rows += [{"id": f"{asset}/{p}", "product": p, **base} for p in per_user]
    return rows


def _server_rows(rng: random.Random) -> list[Row]:
    """SQL Server hosts (physical and virtual) and Windows Server Datacenter hypervisors."""
    rows: list[Row] = []
    owners = {"Platform": "CC210", "Data Science": "CC220", "IT Operations": "CC130",
              "Finance": "CC110"}  # fmt: skip
    for dc, code in (("London DC", "LON"), ("New York DC", "NY")):
        for n in range(1, 21):
            virtual = rng.random() < 0.4
            cores = rng.choice((2, 4, 4, 6, 8) if virtual else (8, 12, 16, 24, 32, 48))
            dept = rng.choice(list(owners))
            rows.append({
                "id": f"SQL-{code}-{n:02d}/sql-server", "product": "sql-server",
                "asset": f"SQL-{code}-{n:02d}", "location": dc, "department": dept,
                "cost_centre": owners[dept], "cores": cores,
                "processors": 1 if virtual or cores < 24 else 2, "virtual": virtual,
            })  # fmt: skip
        for n in range(1, 13):
            rows.append({
                "id": f"HV-{code}-{n:02d}/windows-server-dc", "product": "windows-server-dc",
                "asset": f"HV-{code}-{n:02d}", "location": dc, "department": "IT Operations",
                "cost_centre": "CC130", "cores": rng.choice((16, 24, 32, 48, 64)),
                "processors": 2, "virtual": False,
            })  # fmt: skip
    return rows


def _demand(rows: list[Row]) -> dict[str, int]:
    """Required units per product: devices, distinct users (A18) or cores."""
    metric = {str(p["id"]): p.get("metric", "device") for p in PRODUCTS}
    demand: dict[str, int] = {}
    users: set[tuple[str, str]] = set()
    for row in rows:
        product, user = str(row["product"]), str(row.get("user"))
        if metric[product] == "user" and (product, user) in users:
            continue
        users.add((product, user))
        demand[product] = demand.get(product, 0) + int(str(row.get("cores") or 1))
    return demand


def _licences(demand: dict[str, int], named: dict[str, str]) -> list[Row]:
    licences = []
    for line in LICENCES.strip().splitlines():
        ident, product, kind, seats, extra = (cell.strip() for cell in line.split("|"))
        licence: Row = {"id": ident, "product": product, "type": kind}
        if seats == "unlimited":
            licence["unlimited"] = True
        elif seats.startswith("="):
            licence["seats"] = int(seats[1:])
        else:
            raw = float(seats) * RHO[product] * demand[product]
            licence["seats"] = max(1, round(raw) if raw < 20 else 5 * round(raw / 5))
        for field in extra.split(";"):
            key, value = (part.strip() for part in field.split("="))
            licence[key] = named.get(value, value)
        licences.append(licence)
    return licences


def _pins(rows: list[Row], named: dict[str, str]) -> list[Row]:
    def first(**match: object) -> object:
        return next(r["id"] for r in rows if all(r.get(k) == v for k, v in match.items()))

    sql = [r for r in rows if r["product"] == "sql-server"]
    biggest = max(sql, key=lambda r: (int(str(r["cores"])), str(r["id"])))["id"]
    pinned = [
        ("L-O21-EXEC", first(custodian=named["@ceo"], product="office-2021")),
        ("L-PRJ-NAMED-1", first(user=named["@project0"], product="project")),
        ("L-SQL-PROC", biggest),
        ("L-ACR-DE", first(product="acrobat", location="Berlin")),
    ]
    return [{"licence": licence, "consumption": target} for licence, target in pinned]


_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9 _./-]*[A-Za-z0-9])?")


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_scalar, value)) + "]"
    text = str(value)
    plain = _PLAIN.fullmatch(text) and text.lower() not in ("yes", "no", "on", "off", "null")
    return text if plain else json.dumps(text)


def _flow(item: Row) -> str:
    return "{" + ", ".join(f"{key}: {_scalar(value)}" for key, value in item.items()) + "}"


def _yaml(licences: list[Row], pins: list[Row]) -> str:
    lines = [
        "# Generated by scenarios/demo/make_demo.py (seeded): edit the script, not this file.",
        "name: Fabrikam UK, US and Berlin estate",
        "rules: xassets-default",
        "# Re-runs against a previous allocation keep consumptions where they were.",
        "settings: {stability: prefer}",
        "org:",
    ]
    for tree, nodes in ORG.items():
        lines.append(f"  {tree}:")
        lines += [f"    {_scalar(node)}: {_scalar(parent)}" for node, parent in nodes.items()]
    for key, items in (("products", PRODUCTS), ("contracts", CONTRACTS), ("licences", licences)):
        lines += [f"{key}:", *(f"  - {_flow(item)}" for item in items)]
    lines.append("consumptions: {csv: consumptions.csv}")
    lines += ["direct_assignments:", *(f"  - {_flow(pin)}" for pin in pins)]
    return "\n".join(lines) + "\n" + VARIANTS


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(_cell(row.get(column)) for column in CSV_COLUMNS)
    return out.getvalue()


def render() -> dict[str, str]:
    """File name -> the exact text make_demo writes."""
    rng = random.Random(SEED)
    people = _people(rng)
    rows = sorted(_desk_rows(rng, people) + _server_rows(rng), key=lambda r: str(r["id"]))
    project_users = sorted({str(r["user"]) for r in rows if r["product"] == "project"})
    office = (r for r in rows if r["product"] == "office-2021")
    ceo = next(str(r["custodian"]) for r in office if r["department"] == "Corporate")
    named = {"@ceo": ceo} | {f"@project{i}": user for i, user in enumerate(project_users[:3])}
    licences = _licences(_demand(rows), named)
    return {"demo.yaml": _yaml(licences, _pins(rows, named)), "consumptions.csv": _csv(rows)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the demo scenario files.")
    parser.add_argument("--out", type=Path, default=HERE)
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
