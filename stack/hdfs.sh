#!/usr/bin/env bash
# The HDFS test peer (issue 14): Hadoop's NameNode + DataNode from Maven Central, in one JVM (MiniDFSCluster,
# stack/hdfs/HdfsPeer.java) on the machine's Java 17, bound to 127.0.0.1 only.
#
#   stack/hdfs.sh build                 resolve the jars into $STACK_CACHE/hdfs/lib and compile the peer (cached, stamp)
#   stack/hdfs.sh run PORT DATA_DIR      run the peer in the foreground
#   stack/hdfs.sh argv PORT DATA_DIR     print that command line, NUL-separated (stack/up.sh starts it with start_service)
#   stack/hdfs.sh health DATA_DIR        0 when the peer wrote DATA_DIR/ready
#
# Idempotent: `build` compares its stamp ($HADOOP_VERSION + the peer's source hash) and returns at once when warm.
# Needs java/javac (17) and mvn; Maven's local repository is $STACK_CACHE/hdfs/m2 (never ~/.m2).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/versions.sh"

HDFS_HOME=$STACK_CACHE/hdfs
LIB=$HDFS_HOME/lib
CLASSES=$HDFS_HOME/classes
STAMP=$STACK_CACHE/stamps/hdfs

hdfs_key() { echo "$HADOOP_VERSION $(cat "$HERE/hdfs/pom.xml" "$HERE/hdfs/HdfsPeer.java" | sha256sum | cut -c1-16)"; }

hdfs_built() {
  [[ -f $STAMP && "$(cat "$STAMP")" == "$(hdfs_key)" && -f $CLASSES/HdfsPeer.class ]]
}

build() {
  hdfs_built && return 0
  command -v mvn >/dev/null || { echo "hdfs: mvn not found (apt-get install maven)" >&2; return 1; }
  command -v javac >/dev/null || { echo "hdfs: javac not found (a JDK 17)" >&2; return 1; }
  mkdir -p "$HDFS_HOME/m2" "$(dirname "$STAMP")"
  rm -rf "$LIB" "$CLASSES"
  mvn -B -q -f "$HERE/hdfs/pom.xml" -Dhadoop.version="$HADOOP_VERSION" -Dmaven.repo.local="$HDFS_HOME/m2" \
    dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime
  mkdir -p "$CLASSES"
  javac -nowarn -d "$CLASSES" -cp "$LIB/*" "$HERE/hdfs/HdfsPeer.java"
  hdfs_key > "$STAMP"
}

argv() {
  local port=$1 dir=$2
  # Java 17: Hadoop 3.4 reflects into a few JDK internals.
  local a=("$(command -v java)" -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -Dhadoop.home.dir="$dir" -Djava.io.tmpdir="$dir" \
    -cp "$CLASSES:$LIB/*" HdfsPeer "$port" "$dir")
  printf '%s\0' "${a[@]}"
}

run() {
  mkdir -p "$2"
  local a; mapfile -d '' a < <(argv "$1" "$2")
  exec "${a[@]}"
}

case ${1:-} in
  build) build ;;
  built) hdfs_built ;;
  run) shift; run "$@" ;;
  argv) shift; argv "$@" ;;
  health) [[ -s $2/ready ]] ;;
  *) echo "usage: $0 build|built|run PORT DIR|argv PORT DIR|health DIR" >&2; exit 2 ;;
esac
