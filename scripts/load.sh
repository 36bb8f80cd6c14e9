#!/usr/bin/env bash
# Issue 13's load harness in one command: builds the benchmarks module, starts a throwaway
# PostgreSQL the way the test command does (scripts/test-all.sh), and runs LoadHarness, which
# starts the stand-in provider in a JVM of its own and compares the governed call with the bare
# JDK HttpClient in memory, on H2 and on PostgreSQL. Arguments go to the harness, e.g.
#   ./scripts/load.sh --modes async64 --seconds 10 --rounds 5
# Extra Maven arguments may be given in LOAD_MAVEN_ARGS (e.g. "-o -Daitenancy.buildSuffix=-load").
# The results are printed and written to examples/benchmarks/target*/load-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export AI_TENANCY_LOAD_COMMAND="${LOAD_MAVEN_ARGS:+LOAD_MAVEN_ARGS=\"$LOAD_MAVEN_ARGS\" }./scripts/load.sh${*:+ $*}"
# shellcheck disable=SC2086 # LOAD_MAVEN_ARGS is a list of words
exec ./scripts/test-all.sh -q ${LOAD_MAVEN_ARGS:-} -pl examples/benchmarks -am -DskipTests exec:exec \
  -Dexec.args="-cp %classpath dev.aitenancy.examples.benchmarks.load.LoadHarness $*"
