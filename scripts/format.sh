#!/usr/bin/env bash
# Formats all Java of the build (main and test of every module) the way `mvn verify` checks it:
#   1. scripts/AddBraces.java puts braces around every bare if/else/for/while/do body
#      (checkstyle's NeedBraces; a formatter never adds tokens);
#   2. `mvn spotless:apply`: palantir-java-format, 120 columns (config in the parent pom);
#   3. scripts/WrapLongLines.java wraps comment and text-block lines the formatter leaves over 120
#      columns (text blocks with the `\<newline>` escape: same string), then spotless once more.
# Idempotent: a second run changes nothing. Prints the files it changed. Extra arguments go to mvn
# (e.g. -o). Left for a person: a line that still breaks checkstyle's (config/checkstyle.xml)
# 120 columns, e.g. in a <pre> block or a string literal that follows code on its line.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

java_files() {
  find . -path ./dist -prune -o -path '*/target' -prune -o -path '*/src/*' -name '*.java' -print \
    -o -path ./scripts/'*.java' -print -o -path ./bench/'*.java' -print \
    -o -path ./cni4j-agent/image/'*.java' -print | sed 's@^\./@@' | sort
}
sums() { java_files | xargs sha1sum; }

before=$(mktemp)
trap 'rm -f "$before"' EXIT
sums >"$before"

java_files | xargs "$JAVA_HOME/bin/java" scripts/AddBraces.java >/dev/null
mvn -B -ntp -q "$@" spotless:apply
# after the formatter, which settles indentation: comment and text-block lines still over 120
java_files | xargs "$JAVA_HOME/bin/java" scripts/WrapLongLines.java >/dev/null
mvn -B -ntp -q "$@" spotless:apply

changed=$(sums | diff "$before" - | sed -n 's/^> [0-9a-f]*  //p' || true)
if [ -n "$changed" ]; then
  echo "$changed"
  echo "format.sh: $(echo "$changed" | wc -l) files changed" >&2
else
  echo "format.sh: nothing to change" >&2
fi
