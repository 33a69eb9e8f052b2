#!/usr/bin/env bash
# Best effort: install and start Debian's Redis on loopback and print the URL the Redis
# tests use; prints nothing (and the tests skip, saying why) when it cannot.
set -u
port=${REDIS_TEST_PORT:-6390}
if ! command -v redis-server >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) \
    >/dev/null 2>&1 || exit 0
fi
if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
    --logfile /tmp/redis-ci.log >/dev/null 2>&1 || exit 0
fi
for _ in $(seq 1 30); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "redis://127.0.0.1:$port/0"; exit 0; }
  sleep 0.2
done
