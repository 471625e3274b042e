# The demo's checks (sourced by scripts/demo.sh): each check prints "ok: ..." or "FAILED: ..."
# and is counted; verdict prints the verdict line and fails when any check failed.
passed=0
failed=0
ok() { printf '   ok: %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf '   FAILED: %s\n' "$*"; failed=$((failed + 1)); }
expect() { # what expected actual
  if [ "$3" = "$2" ]; then ok "$1: $3"; else fail "$1: ${3:-nothing} (expected $2)"; fi
}
answers() { # what expected-text actual-answer
  if [[ "$3" == *"$2"* ]]; then ok "$1: $3"; else fail "$1: ${3:-no answer}"; fi
}
verdict() {
  echo "demo: $passed checks passed, $failed failed"
  [ "$failed" = 0 ]
}
