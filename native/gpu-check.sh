#!/usr/bin/env bash
# gpu-check.sh - the CUDA test suite and GPU benchmarks on a bare GPU machine (no JDK, no Maven there).
#   native/gpu-check.sh build   (here)  builds native/target/gpu-bundle: a jlink'd JDK 25 runtime, the project
#                                       jars (main + tests), the JUnit console launcher, JavaCPP and only the
#                                       JNI wrappers used (cudart, cublas, nvrtc); checks it is under 64 MiB.
#   native/gpu-check.sh profile [regex [skip [count]]] (there) Nsight Compute sections of the LSH kernels the model
#                                       uses (where ncu exists), to $OUT/ncu.log.
#   native/gpu-check.sh ab "A flags" "B flags" [rounds [configs...]]  (there) GpuModelBench's configurations (default
#                                       seed_train lsh4k_train) with JVM flags A and B by turns (A B, then B A, ...),
#                                       3 rounds by default: an A/B of a change behind a system property on one machine
#                                       in one sitting (host-bound rows move by 20-40% between calls), to $OUT/ab.log.
#   native/gpu-check.sh jfr [config [steps]]  (there) JDK Flight Recorder over GpuModelBench's config (default
#                                       seed_train, 300 steps): where a host-bound device step spends the host's time,
#                                       to $OUT/<config>.jfr (read it here with `jfr print` or JDK Mission Control).
#   native/gpu-check.sh run     (there) compiles every kernel file once (NVRTC, timed, into the disk cache, so
#                                       that no benchmark spends its limit compiling), runs the GPU benchmarks
#                                       (cuBLAS, launch cost, kernels, LSH attention, model training steps and generation, the
#                                       launches of a step per kernel), then the GPU cases of
#                                       the native, kernels and model tests, from that bundle. Each part has its own
#                                       time limit; its output goes to the terminal and to $OUT/<part>.log (OUT
#                                       defaults to the bundle's out/), so a part cut off still leaves what it printed.
#                                       Without compiling, benchmarks and tests took ~1 minute on an H100.
# The CUDA libraries there come from Python's nvidia-* wheels (<site-packages>/nvidia/cu13/lib), found below
# and put on LD_LIBRARY_PATH before the JVM starts.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=native/target/gpu-bundle
MODE=${1:-build}

build() {
  export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}" PATH="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin:$PATH"
  ./mvnw -B -q -ntp -pl model -am package -DskipTests
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/lib" "$BUNDLE/tmp"
  local m2=~/.m2/repository ver=0.1.0-SNAPSHOT
  cp core/target/reformer4j-core-$ver.jar native/target/reformer4j-native-$ver.jar \
     kernels/target/reformer4j-kernels-$ver.jar tokenizer/target/reformer4j-tokenizer-$ver.jar \
     model/target/reformer4j-model-$ver.jar "$BUNDLE/lib/"
  (cd native/target/test-classes && jar cf "../gpu-bundle/lib/reformer4j-native-tests.jar" .)
  (cd kernels/target/test-classes && jar cf "../../../native/target/gpu-bundle/lib/reformer4j-kernels-tests.jar" .)
  (cd kernels/target/test-classes && ls org/reformer4j/kernels/*Test.class org/reformer4j/kernels/reformer/*Test.class \
      org/reformer4j/kernels/backend/*Test.class | grep -v -e KernelFilesTest -e CudaBackendAbsentTest \
      | sed 's|/|.|g; s|\.class$||') > "$BUNDLE/kernel-tests.txt"
  (cd model/target/test-classes && jar cf "../../../native/target/gpu-bundle/lib/reformer4j-model-tests.jar" .)
  (cd core/target/test-classes && jar cf "../../../native/target/gpu-bundle/lib/reformer4j-core-tests.jar" .)
  # the three public LSH golden fixtures, for the model-on-device test (when ../shared is here)
  local golden="${REFORMER4J_SHARED:-../shared}/data/golden"
  for f in lsh_causal lsh_noncausal lsh_causal_autopad; do
    if [ -d "$golden/$f" ]; then mkdir -p "$BUNDLE/shared/data/golden" && cp -r "$golden/$f" "$BUNDLE/shared/data/golden/"; fi
  done
  ./mvnw -B -q -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
      -DoutputDirectory="$PWD/$BUNDLE/lib" -f native/pom.xml
  cp $m2/org/bytedeco/javacpp/1.5.13/javacpp-1.5.13.jar $m2/org/bytedeco/javacpp/1.5.13/javacpp-1.5.13-linux-x86_64.jar \
     $m2/org/bytedeco/cuda/13.1-9.19-1.5.13/cuda-13.1-9.19-1.5.13.jar "$BUNDLE/lib/"
  # Only the JNI wrappers we call: cudart (driver + runtime API), cublas, nvrtc.
  (cd "$BUNDLE/tmp" && unzip -q $m2/org/bytedeco/cuda/13.1-9.19-1.5.13/cuda-13.1-9.19-1.5.13-linux-x86_64.jar \
      'org/bytedeco/cuda/linux-x86_64/libjnicudart.so' 'org/bytedeco/cuda/linux-x86_64/libjnicublas.so' \
      'org/bytedeco/cuda/linux-x86_64/libjninvrtc.so' && jar cf ../lib/cuda-jni-slim-linux-x86_64.jar org)
  rm -rf "$BUNDLE/tmp"
  jlink --add-modules java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management,jdk.zipfs,jdk.jfr \
      --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$BUNDLE/jre"
  cp native/gpu-check.sh bench/gpu/reformer_pytorch_step.py "$BUNDLE/"
  local mib=$(( $(du -sk "$BUNDLE" | cut -f1) / 1024 ))
  echo "bundle: $BUNDLE, ${mib} MiB"
  if [ "$mib" -ge 64 ]; then echo "bundle over 64 MiB" >&2; exit 1; fi
}

libraries() { # puts the machine's CUDA 13 libraries (Python wheels) on LD_LIBRARY_PATH
  local cu13
  cu13=$(ls -d /usr/local/lib/python3*/dist-packages/nvidia/cu13/lib /usr/lib/python3*/site-packages/nvidia/cu13/lib \
      /usr/local/lib/python3*/site-packages/nvidia/cu13/lib 2>/dev/null | head -1 || true)
  if [ -z "$cu13" ] && command -v python3 >/dev/null; then
    cu13=$(python3 -c 'import nvidia, os; print(os.path.join(list(nvidia.__path__)[0], "cu13", "lib"))' 2>/dev/null || true)
  fi
  export LD_LIBRARY_PATH="${cu13:+$cu13:}${LD_LIBRARY_PATH:-}"
  echo "CUDA libraries: ${cu13:-not found, using the default library path}"; date -u
}

run() {
  libraries
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
  local java="$BUNDLE/jre/bin/java" cp out="${OUT:-$BUNDLE/out}"
  mkdir -p "$out"
  cp=$(ls "$BUNDLE"/lib/*.jar | tr '\n' ':')
  local flags=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -Xss8m
      -Dreformer4j.test.devices=gpu -Dreformer4j.cuda.emulate=false -Dreformer4j.shared="$BUNDLE/shared"
      -Dreformer4j.kernels.cache="$BUNDLE/kernel-cache")
  part() { # part NAME SECONDS command...: runs one part with its own limit, its output also in $out/NAME.log
    local name=$1 limit=$2 t0=$SECONDS rc=0; shift 2
    echo "=== $name (limit ${limit} s)"
    set +e; timeout "$limit" "$@" 2>&1 | tee "$out/$name.log"; rc=${PIPESTATUS[0]}; set -e
    echo "=== $name: rc $rc in $((SECONDS - t0)) s" | tee -a "$out/$name.log"
  }
  part compile 240 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.kernels.GpuCompileAll
  part sgemm 60 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.cuda.GpuSgemmBench
  part launch 60 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.cuda.GpuLaunchBench
  part backend-launch 60 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.kernels.backend.GpuBackendLaunchBench
  part kernels 60 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.kernels.GpuKernelBench
  part lsh-attention 90 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.kernels.reformer.GpuLshAttentionBench
  part model 100 "$java" "${flags[@]}" -cp "$cp" org.reformer4j.model.GpuModelBench seed_train seed_generate lsh4k_generate lsh4k_train lsh4k_train_seq16384 lsh4k_train_seq65536
  # which kernels a step launches, per step (counted apart from the timed runs above)
  part launches 60 "$java" "${flags[@]}" -Dreformer4j.cuda.launchHistogram=true -Dbench.steps=1 -Dbench.warmup=1 -cp "$cp" \
      org.reformer4j.model.GpuModelBench seed_train lsh4k_train
  # reformer-pytorch on the same GPU, where the machine has it (it has no network: nothing is installed here)
  if python3 -c 'import torch, reformer_pytorch' 2>/dev/null; then
    part reference 60 python3 "$BUNDLE/reformer_pytorch_step.py"
  else
    echo "reference: reformer-pytorch not importable here ($(python3 -c 'import torch; print("torch", torch.__version__)' 2>&1 | tail -1))" \
        | tee "$out/reference.log"
  fi
  local selectors=(--select-class org.reformer4j.cuda.DeviceDiscoveryTest --select-class org.reformer4j.cuda.RuntimeSelfTest
      --select-class org.reformer4j.cuda.LaunchPathTest
      --select-class org.reformer4j.model.TrainingStepOnDeviceTest --select-class org.reformer4j.model.ReformerGoldenOnDeviceTest
      --select-class org.reformer4j.model.attention.FullAttentionMasksOnDeviceTest --select-class org.reformer4j.model.EncDecOnDeviceTest --select-class org.reformer4j.model.KeysDecodeOnDeviceTest
      --select-class org.reformer4j.model.RecorderOnDeviceTest --select-class org.reformer4j.model.LshDecodeOnDeviceTest)
  while read -r c; do selectors+=(--select-class "$c"); done < "$BUNDLE/kernel-tests.txt"
  part tests 180 "$java" "${flags[@]}" -jar "$BUNDLE/lib/junit-platform-console-standalone-1.14.1.jar" execute \
      --class-path "$cp" --disable-banner --disable-ansi-colors --details=tree "${selectors[@]}"
}

# Nsight Compute over the Reformer kernel bench (where ncu is installed): speed of light, occupancy and
# launch statistics of the kernels matching $2 (a regex; default the LSH attention and hash kernels).
profile() {
  libraries
  local java="$BUNDLE/jre/bin/java" cp out="${OUT:-$BUNDLE/out}" ncu
  ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || true)
  [ -n "$ncu" ] || { echo "profile: ncu not found"; return 0; }
  mkdir -p "$out"
  cp=$(ls "$BUNDLE"/lib/*.jar | tr '\n' ':')
  # the default regex matches the model's kernels at 16384 tokens: GpuLshAttentionBench calls each version 12 times
  # (2 + 10), forward v3 as prepare + main + combine, so skipping 33 matches profiles its last call's three
  # kernels and then backward v4's first call (prepare, main, unsort)
  timeout 240 "$ncu" --kernel-name "regex:${1:-lsh_attention_(prepare_v1|forward_v3|combine_v2|backward_v4|unsort_v2)}" \
      --launch-skip "${2:-33}" --launch-count "${3:-6}" \
      --section SpeedOfLight --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis --section WarpStateStats \
      "$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g \
      -Dreformer4j.kernels.cache="$BUNDLE/kernel-cache" -cp "$cp" org.reformer4j.kernels.reformer.GpuLshAttentionBench \
      2>&1 | tee "$out/ncu.log" | grep -v "^==PROF==" | tail -n +1 >/dev/null || true
}

# Every kernel file compiled into the disk cache (compiled JAVA CLASSPATH), so that no timed run pays for NVRTC.
compiled() {
  timeout 240 "$1" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      -Dreformer4j.kernels.cache="$BUNDLE/kernel-cache" -cp "$2" org.reformer4j.kernels.GpuCompileAll | tail -1
}

# GpuModelBench with two sets of JVM flags by turns (see the top comment).
ab() {
  libraries
  local java="$BUNDLE/jre/bin/java" cp out="${OUT:-$BUNDLE/out}" a="$1" b="$2" rounds="${3:-3}" r first second
  shift 3 || shift $#
  local configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(seed_train lsh4k_train)
  mkdir -p "$out"
  cp=$(ls "$BUNDLE"/lib/*.jar | tr '\n' ':')
  compiled "$java" "$cp"
  for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then first=A; second=B; else first=B; second=A; fi
    for side in $first $second; do
      local flags; [ "$side" = A ] && flags="$a" || flags="$b"
      echo "=== round $r $side ($flags)"
      # shellcheck disable=SC2086
      timeout 120 "$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -Xss8m $flags \
          -Dreformer4j.kernels.cache="$BUNDLE/kernel-cache" -cp "$cp" org.reformer4j.model.GpuModelBench "${configs[@]}" 2>&1 \
          | grep "^| " | sed "s/^/$side /" || true
    done
  done 2>&1 | tee "$out/ab.log"
}

# JFR over a GpuModelBench configuration (see the top comment).
jfr() {
  libraries
  local java="$BUNDLE/jre/bin/java" cp out="${OUT:-$BUNDLE/out}" config="${1:-seed_train}" steps="${2:-300}"
  mkdir -p "$out"
  cp=$(ls "$BUNDLE"/lib/*.jar | tr '\n' ':')
  compiled "$java" "$cp"
  timeout 240 "$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -Xss8m \
      -XX:StartFlightRecording=filename="$out/$config.jfr",settings=profile -Dbench.steps="$steps" -Dbench.warmup=5 \
      -Dreformer4j.kernels.cache="$BUNDLE/kernel-cache" -cp "$cp" org.reformer4j.model.GpuModelBench "$config" 2>&1 | grep -v "step [0-9]*:"
  ls -la "$out"
}

case "$MODE" in
  build) build ;;
  jfr) jfr "${2:-}" "${3:-}" ;;
  ab) ab "${2:-}" "${3:-}" "${4:-3}" "${@:5}" ;;
  run) run ;;
  profile) profile "${2:-}" "${3:-}" "${4:-}" ;;
  *) echo "usage: $0 build | run | profile [kernel regex [launches to skip [launches to profile]]]" \
          "| ab \"A flags\" \"B flags\" [rounds [configs]] | jfr [config [steps]]" >&2; exit 2 ;;
esac
