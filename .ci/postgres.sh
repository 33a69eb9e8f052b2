#!/usr/bin/env bash
# Best effort: install and start Debian's PostgreSQL on loopback and print the URL the
# PostgreSQL tests use; prints nothing (and the tests skip, saying why) when it cannot.
set -u
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
    >/dev/null 2>&1 || exit 0
fi
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
[ -n "$version" ] || exit 0
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 0.5
done
su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
