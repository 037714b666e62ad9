#!/usr/bin/env python3
"""Renders the benchmark results as one Markdown table.

Usage: report.py RESULTS.tsv HEADER.md OUT.md [DOC.md]
RESULTS.tsv has one row per figure: what, figure, target, met (tab-separated).
HEADER.md is the text put above the table (machine, date, commit, command line).
Writes the section to OUT.md and prints it; with DOC.md, also replaces what lies between
the `<!-- bench:begin -->` and `<!-- bench:end -->` markers of that file (the markers
are added after the page's first paragraph if missing) and leaves the rest alone.
"""
import sys

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def main():
    results, header, out = sys.argv[1], sys.argv[2], sys.argv[3]
    doc = sys.argv[4] if len(sys.argv) > 4 else None
    lines = [open(header, encoding="utf-8").read().rstrip("\n"), "",
             "| what | figure | target | met? |", "|---|---|---|---|"]
    with open(results, encoding="utf-8") as f:
        for row in f:
            cells = row.rstrip("\n").split("\t")
            cells += [""] * (4 - len(cells))
            lines.append("| " + " | ".join(c.replace("|", "\\|") or "—" for c in cells[:4]) + " |")
    section = "\n".join(lines) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write(section)
    print(section)
    if doc:
        text = open(doc, encoding="utf-8").read()
        block = f"{BEGIN}\n{section}{END}"
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + block + rest.split(END, 1)[1]
        else:
            parts = text.split("\n\n", 2)
            text = "\n\n".join(parts[:2] + [block] + parts[2:])
        with open(doc, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
