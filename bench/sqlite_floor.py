#!/usr/bin/env python3
"""The bare-SQLite floor for the import benchmark.

Usage: sqlite_floor.py CSV DB
Reads the CSV and inserts every row into one table of a fresh database in one
transaction with one prepared statement (executemany), as fast as SQLite goes with no
indexes, matching or side tables. Prints the number of rows inserted.
"""
import csv
import os
import sqlite3
import sys


def main():
    path, db = sys.argv[1], sys.argv[2]
    if os.path.exists(db):
        os.remove(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
        conn.execute(f"CREATE TABLE contacts (id INTEGER PRIMARY KEY, {cols})")
        marks = ", ".join("?" for _ in header)
        conn.execute("BEGIN")
        cur = conn.executemany(
            f"INSERT INTO contacts ({', '.join(f'c{i}' for i in range(len(header)))}) VALUES ({marks})",
            reader,
        )
        conn.execute("COMMIT")
    print(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
    conn.close()
    del cur


if __name__ == "__main__":
    main()
