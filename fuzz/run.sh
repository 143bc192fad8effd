#!/usr/bin/env bash
# fuzz/run.sh - one Jazzer fuzzing run of one fuzz test class, outside the Maven lock. See FUZZING.md.
#
#   fuzz/run.sh protocol dev.tern.protocol.CommandParserFuzzTest
#   fuzz/run.sh actors dev.tern.tls.PemCredentialsFuzzTest
#   NO_BUILD=1 fuzz/run.sh ...     # reuse the last build's snapshot (fuzz/.build)
#   JAVA_OPTS='-Djazzer.instrumentation_includes=dev.tern.**:org.bouncycastle.**' fuzz/run.sh actors ...
#                                  # also instrument a library jar (by default Jazzer instruments only the class
#                                  # directories, so the fuzzer would not see Bouncy Castle's ASN.1 and PEM code)
#
# Builds once with Maven (test-compile + the test classpath, under flock /tmp/mvn.lock, never `install`),
# copies the compiled classes to fuzz/.build so later builds cannot change them under a running fuzzer,
# then runs the class's one @FuzzTest with JAZZER_FUZZ=1 under nice -n 19 for the test's maxDuration.
# New corpus entries go to <module>/.cifuzz-corpus/ (not committed); a crashing input is written to the
# test's <Class>Inputs/<method>/ resource directory, where every `mvn verify` replays it.
set -euo pipefail
module=$1
class=$2
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/fuzz/.build
if [[ -z "${NO_BUILD:-}" ]]; then
  (cd "$root" && flock /tmp/mvn.lock nice -n 10 mvn -B -ntp -q -pl "$module" -am test-compile \
      dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz-cp.txt)
  rm -rf "$build"
  for m in protocol streams supervision actors; do
    mkdir -p "$build/$m"
    for d in classes test-classes; do
      if [[ -d "$root/$m/target/$d" ]]; then cp -r "$root/$m/target/$d" "$build/$m/"; fi
    done
  done
  for m in protocol actors; do
    if [[ -f "$root/$m/target/fuzz-cp.txt" ]]; then
      sed "s#$root/\([a-z]*\)/target/#$build/\1/#g" "$root/$m/target/fuzz-cp.txt" > "$build/$m.cp"
    fi
  done
  (cd "$root" && flock /tmp/mvn.lock nice -n 10 mvn -B -ntp -q dependency:get \
      -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1)
fi
launcher=$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar
cd "$root/$module"
JAZZER_FUZZ=1 exec nice -n 19 java ${JAVA_OPTS:-} -Xmx1g -XX:+UseSerialGC -Djazzer.internal.basedir="$root/$module" \
  -cp "$build/$module/test-classes:$build/$module/classes:$(cat "$build/$module.cp"):$launcher" \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree \
  --select-class "$class"
