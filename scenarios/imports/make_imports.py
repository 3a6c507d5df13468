"""Writes the example exports in this folder (run from the repository root):

    .venv/bin/python scenarios/imports/make_imports.py

* contoso/: an inventory workbook (installs.xlsx, sheet Installs) as an asset tool exports
  it, with a licence register beside it as a Windows-1252, semicolon-separated CSV (as
  Excel on a German or French Windows saves one);
* fabrikam/: an SCCM "Add/Remove Programs" report saved as UTF-16 with tabs (PowerShell's
  Export-Csv -Encoding Unicode -Delimiter "`t").

Deterministic: a fixed seed and a fixed workbook date."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
SITES = ["London", "Manchester", "Zürich", "Montréal"]
DEPARTMENTS = ["Finance", "Sales", "Engineering", "IT"]
TITLES = [
    (
        "Microsoft Office Professional Plus 2019 - en-us",
        "Microsoft Corporation",
        "16.0.10396.20023",
    ),
    (
        "Microsoft Office LTSC Professional Plus 2021 - en-us",
        "Microsoft Corporation",
        "16.0.14332.20447",
    ),
    ("Microsoft Visio Professional 2019", "Microsoft Corporation", "16.0.10396.20023"),
    ("Adobe Acrobat DC (64-bit)", "Adobe", "23.006.20320"),
    ("Adobe Acrobat Reader DC", "Adobe", "23.006.20320"),
    ("AutoCAD 2023 - English", "Autodesk", "24.2.60.0"),
    ("7-Zip 22.01 (x64)", "Igor Pavlov", "22.01"),
    ("Google Chrome", "Google LLC", "119.0.6045.160"),
    ("Microsoft Edge", "Microsoft Corporation", "119.0.2151.72"),
    ("Contoso Timesheet Client", "Contoso Ltd", "3.2"),  # no pattern: unrecognised
]


def contoso(rng: random.Random) -> None:
    folder = HERE / "contoso"
    folder.mkdir(exist_ok=True)
    workbook = xlsxwriter.Workbook(str(folder / "installs.xlsx"))
    workbook.set_properties({"created": datetime.datetime(2026, 1, 5, 9, 0, 0)})
    sheet = workbook.add_worksheet("Installs")
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    header = ["Computer Name", "Display Name", "Publisher", "Version", "Site", "Department",
              "Installed On"]  # fmt: skip
    sheet.write_row(0, 0, header)
    row = 1
    for number in range(1, 121):
        computer = f"CTS-{number:04d}"
        site, department = rng.choice(SITES), rng.choice(DEPARTMENTS)
        for title, publisher, version in rng.sample(TITLES, 4):
            sheet.write_row(row, 0, [computer, title, publisher, version, site, department])
            sheet.write_datetime(row, 6, datetime.datetime(2025, rng.randint(1, 12), 1), date)
            row += 1
    workbook.close()
    register = [
        "Licence No;Product;Licence Type;Quantity;Site;Notes",
        "LIC-001;office-2021;device;120;;Microsoft EA, Zürich signed",
        "LIC-002;office-2019;device;60;London;Select Plus",
        "LIC-003;visio;device;30;;",
        "LIC-004;acrobat;device;50;Montréal;VIP – renewal due",
        "LIC-005;autocad;device;25;;Subscription",
    ]
    (folder / "licences.csv").write_bytes(("\r\n".join(register) + "\r\n").encode("cp1252"))


def fabrikam(rng: random.Random) -> None:
    folder = HERE / "fabrikam"
    folder.mkdir(exist_ok=True)
    lines = ["Netbios_Name0\tDisplayName0\tPublisher0\tVersion0\tAD_Site_Name0"]
    for number in range(1, 81):
        site = rng.choice(["LON", "MAN"])
        for title, publisher, version in rng.sample(TITLES, 3):
            lines.append(f"FAB{number:05d}\t{title}\t{publisher}\t{version}\t{site}")
    (folder / "sccm_installs.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))


if __name__ == "__main__":
    contoso(random.Random(12))
    fabrikam(random.Random(13))
