#!/usr/bin/env bash
# 运行基准测试：bash benchmarks/run.sh [step|gradcheck|gradient_check|validation|check|mutants|precision|gpu|profile|all] [脚本参数...]
#
# 有些机器的环境里设置了 OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE（为兼容旧版 OpenBLAS），
# 它们会让新版 NumPy 选用较慢的内核。只在这里的基准命令里去掉它们；测试与 CI 不受影响。
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
which="${1:-all}"
shift || true
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$here/$1" "${@:2}"; }
case "$which" in
  step) run bench_step.py "$@" ;;
  gradcheck) run bench_gradcheck.py "$@" ;;
  gradient_check) run bench_gradient_check.py "$@" ;;
  validation) run bench_validation.py "$@" ;;
  check) run bench_check.py "$@" ;;
  mutants) run bench_mutants.py "$@" ;;
  precision) run bench_precision.py "$@" ;;
  gpu) run bench_gpu.py "$@" ;;
  profile) run profile_step.py "$@" ;;
  all)
    run bench_step.py "$@"; run bench_gradcheck.py; run bench_gradient_check.py --json
    run bench_validation.py; run bench_check.py; run bench_mutants.py; run bench_precision.py; run bench_gpu.py ;;
  *) echo "用法：bash benchmarks/run.sh [step|gradcheck|gradient_check|validation|check|mutants|precision|gpu|profile|all] [参数...]" >&2
     exit 2 ;;
esac
