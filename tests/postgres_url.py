"""Prints the URL of the test PostgreSQL database when one answers on 127.0.0.1:5432, else nothing.

`make test` runs the suite a second time against it. Trust auth: user postgres, or root.
"""

import psycopg

for user in ("postgres", "root"):
    try:
        psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user=user, connect_timeout=3).close()
    except psycopg.Error:
        continue
    print(f"postgresql+psycopg://{user}@127.0.0.1:5432/test")
    break
