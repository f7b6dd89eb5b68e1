# Sourced by scripts/test; asked by benchmarks/bench_suite.py: the one place that decides
# whether a test run keeps its temporary files in RAM (docs/testing.md, "Temporary files in RAM").

# Prints the default folder in RAM for a run's temporary files and uv's cache, or nothing
# where /dev/shm is no tmpfs with 8 GiB free (a whole run peaked at 4.5 GiB there).
ram_test_tmp() {
  local free_kib
  free_kib="$(df -k --output=avail /dev/shm 2>/dev/null | tail -n 1 | tr -d ' ' || true)"
  if [ "$(stat -f -c %T /dev/shm 2>/dev/null || true)" = tmpfs ] &&
    [ "${free_kib:-0}" -ge $((8 * 1024 * 1024)) ]; then
    echo "/dev/shm/paved-road-tests-$(id -u)"
  fi
}
