# Sourced by every script: selects Temurin's Java 25 (the machine's default java is 17).
for candidate in "${JDK25:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then
    export JAVA_HOME="$candidate"
    break
  fi
done
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q '"25'; then
  echo "backsplit: Java 25 not found (looked in /usr/lib/jvm/temurin-25-jdk-amd64; set JDK25 to its folder)" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "backsplit: installing Maven (apt-get install maven)" >&2
  (apt-get update -qq && apt-get install -y -qq maven) >&2 || { echo "backsplit: Maven is missing and could not be installed" >&2; exit 1; }
fi
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
