#!/usr/bin/env bash
# 借到 GPU 机器的会话只调用这一个脚本（一次 device run）：记录环境 → GPU 测试 → GPU 基准。
# 全部结果写进 $OUT（不超过 8 个文件，下面 6 个）：
#   session.log  每一步的开始、结束、退出码、耗时，最后是摘要
#   env.txt      nvidia-smi、驱动与 CUDA、Python 及 NumPy / CuPy / PyTorch 的版本
#   tests.log    pytest 的输出（没有 GPU 时 GPU 测试跳过并写明原因）；tests.xml 是同一次的 JUnit 报告
#   bench.log    基准的输出；gpu.json 是结果，复制到 benchmarks/results/gpu.json 后提交
# 没有 GPU 时：记录环境、照常跑测试，不跑基准，说明原因后以退出码 0 结束。
# 有 GPU 时：测试与基准都成功才退出 0，否则 1（文件照样都在 $OUT 里）。
#
# 设备机器上没有 sybil，也没有装本包：用 PYTHONPATH=src 直接导入，pytest 加 --noconftest
# （根目录的 conftest.py 导入 sybil）。总时长有预算（SESSION_BUDGET_S，默认 500 秒），每一步另有
# 上限，一步卡住吃不掉整个预算；基准每测完一个规模就写一次 gpu.json，被中途停下也留得下已测的部分。
# 用法见 benchmarks/README.md。本地试跑：OUT=/tmp/gpu-out PYTHON=.venv/bin/python bash benchmarks/gpu_session.sh
# （BENCH_ARGS=--quick 让基准只测很小的规模）
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
if [ -z "${OUT:-}" ]; then
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/gpu-session.XXXXXX")"
  echo "没有设置 OUT：结果写到 $OUT"
fi
mkdir -p "$OUT"
python="${PYTHON:-python3}"
budget="${SESSION_BUDGET_S:-500}"
export PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg
# 与 benchmarks/run.sh 相同：这两个变量会让新版 NumPy 的 OpenBLAS 选慢内核
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# float32 的矩阵乘法两边都按默认的完整精度算（不用 TF32），比较才公平；实际的设置记在 gpu.json 里
unset CUPY_TF32 TORCH_ALLOW_TF32_CUBLAS_OVERRIDE
start=$SECONDS
: >"$OUT/session.log"

log() { printf '[%s +%3ds] %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - start))" "$*" | tee -a "$OUT/session.log"; }
left() { echo $((budget - (SECONDS - start))); }

# limited CAP_S 命令...：在 min(CAP_S, 剩余预算) 秒内运行命令，超时先 TERM、15 秒后 KILL；返回命令的退出码
limited() {
  local cap=$1 rest
  shift
  rest=$(left)
  [ "$rest" -lt "$cap" ] && cap=$rest
  if [ "$cap" -le 5 ]; then
    log "时间预算用完，不运行：$*"
    return 124
  fi
  local run=(timeout -k 15 "$cap")
  if ! command -v timeout >/dev/null; then
    log "注意：没有 timeout 命令，这一步没有时间上限"
    run=()
  fi
  if [ "$(type -t "$1")" = function ]; then  # timeout 只能运行程序：脚本里的函数交给一个子 bash
    "${run[@]}" bash -c '"$@"' _ "$@"
  else
    "${run[@]}" "$@"
  fi
}

# step 名字 上限秒数 日志文件 命令...：运行一步，输出写进日志文件，session.log 记下结果
step() {
  local name=$1 cap=$2 file=$3 t0=$SECONDS rc
  shift 3
  log "开始 $name（上限 ${cap}s，剩余预算 $(left)s）"
  limited "$cap" "$@" >>"$file" 2>&1
  rc=$?
  [ "$rc" -eq 124 ] && log "超时：$name"
  log "结束 $name：退出码 $rc，用时 $((SECONDS - t0))s"
  return "$rc"
}

versions() {
  "$python" - <<'EOF'
import importlib, platform, sys
print("python", platform.python_version(), sys.executable)
for name in ("numpy", "cupy", "torch", "pytest", "matplotlib", "tqdm"):
    try:
        mod = importlib.import_module(name)
        print(name, getattr(mod, "__version__", "?"))
    except Exception as err:  # 记下缺什么、为什么
        print(name, "不可用：", repr(err))
try:
    import cupy
    rt = cupy.cuda.runtime
    print("cupy: 设备数", rt.getDeviceCount(), "驱动 CUDA", rt.driverGetVersion(), "运行时 CUDA", rt.runtimeGetVersion())
    cupy.show_config()
except Exception as err:
    print("cupy 的 CUDA 信息取不到：", repr(err))
try:
    import torch
    print("torch: CUDA", torch.version.cuda, "可用", torch.cuda.is_available(),
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
except Exception as err:
    print("torch 的 CUDA 信息取不到：", repr(err))
EOF
}

environment() {
  echo "== 日期"; date -u
  echo "== 代码"; git -C "$root" rev-parse HEAD 2>/dev/null || echo "（不是 git 仓库的副本）"
  echo "== 系统"; uname -a; nproc; free -g 2>/dev/null | head -2
  echo "== nvidia-smi"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit,temperature.gpu,utilization.gpu --format=csv
  else
    echo "没有 nvidia-smi"
  fi
  echo "== Python 与各库"; versions
}

has_gpu() {
  "$python" -c 'import sys; from nnlearn.backend import gpu_available; sys.exit(0 if gpu_available() else 3)'
}

export python root
export -f environment versions has_gpu

# BENCH_ARGS：给 bench_gpu.py 的额外参数（本地演练时用 --quick）
read -ra bench_extra <<<"${BENCH_ARGS:-}"

tests=(tests/unit/test_backend.py tests/unit/test_bench_gpu.py)
pytest_args=(-m pytest --noconftest -p no:cacheprovider -rs -v "${tests[@]}")

log "nnlearn GPU 会话：$root → $OUT（预算 ${budget}s，python=$python）"
step "环境记录" 90 "$OUT/env.txt" environment
step "GPU 检测" 120 "$OUT/env.txt" has_gpu
gpu_rc=$?
step "测试（pyproject 的设置，警告即错误）" 200 "$OUT/tests.log" \
  "$python" "${pytest_args[@]}" --junitxml="$OUT/tests.xml"
tests_rc=$?

if [ "$gpu_rc" -ne 0 ]; then
  log "跳过 GPU 基准：这台机器没有可用的 CuPy 或 GPU（GPU 检测退出码 $gpu_rc，详见 env.txt）；测试里的 GPU 部分已跳过并写明原因"
  tail -n 3 "$OUT/tests.log"
  log "结束：没有 GPU，退出码 0"
  exit 0
fi

# 基准留 70 秒余量：预算只在每个规模开始前检查，最大的一个规模要几十秒
bench_cap=330
[ "$(left)" -lt "$((bench_cap + 15))" ] && bench_cap=$(($(left) - 15))
step "GPU 基准" "$bench_cap" "$OUT/bench.log" \
  "$python" benchmarks/bench_gpu.py --out "$OUT/gpu.json" --budget-s "$((bench_cap > 100 ? bench_cap - 70 : 30))" \
  ${bench_extra[@]+"${bench_extra[@]}"}
bench_rc=$?

relaxed_rc=""
if [ "$tests_rc" -ne 0 ] && [ "$(left)" -gt 40 ]; then
  # 区分"真的算错"与"第三方库的警告在 filterwarnings=error 下变成了失败"：警告只显示、不算错再跑一遍
  echo "==================== 再跑一遍：-W default（警告只显示） ====================" >>"$OUT/tests.log"
  step "测试（警告只显示）" 120 "$OUT/tests.log" "$python" "${pytest_args[@]}" -W default
  relaxed_rc=$?
fi

log "摘要：测试退出码 $tests_rc${relaxed_rc:+（警告只显示时 $relaxed_rc）}，基准退出码 $bench_rc，共用时 $((SECONDS - start))s"
grep -E "^(FAILED|ERROR)|[0-9]+ (passed|failed)" "$OUT/tests.log" | tail -n 30
tail -n 30 "$OUT/bench.log"
ls -l "$OUT"
[ "$tests_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
