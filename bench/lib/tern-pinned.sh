#!/usr/bin/env bash
# tern-pinned.sh ARGS... - run the bench's pinned copy of Tern's jar ($BENCH_WORK/tern-build/,
# made by build_tern in common.sh) exactly as ./tern runs its own jar: the launcher's default
# JVM options are read from ./tern so the two stay in step, TERN_JAVA_OPTS overrides them as
# it does for ./tern, and java is exec'd (the caller's $! is the java process).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -f "$TERN_JAR" ] || die "no pinned jar $TERN_JAR (build_tern makes it)"
opts=$(sed -n 's/.*\${TERN_JAVA_OPTS:-\([^}]*\)}.*-jar.*/\1/p' "$TERN_HOME/tern" | head -1)
[ -n "$opts" ] || die "cannot read the default JVM options from $TERN_HOME/tern"
# shellcheck disable=SC2086
exec java ${TERN_JAVA_OPTS:-$opts} -jar "$TERN_JAR" "$@"
